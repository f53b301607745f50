// Recovery trims the torn tail a crash left. It must do so without ever leaving acknowledged
// records off the disk: if the trim is itself cut short (a crash or a full disk while it runs,
// here a file-size limit), every whole record must still be there at the next start.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDurableQueue, type DurableQueueOptions } from '../../collector/queue/durable-queue.js';
import { dataPathOf, listSegments } from '../../collector/queue/segment-format.js';
import { PACKAGE_ROOT } from '../../schema/sql-files.js';

const QUEUE_JS = join(PACKAGE_ROOT, 'dist', 'collector', 'queue', 'durable-queue.js');
const RECORD = 10_000;

const CHILD = `
const { openDurableQueue } = await import(process.argv[1]);
try {
  openDurableQueue({ dir: process.argv[2], segmentMaxRows: 1000, segmentMaxBytes: 1 << 30, segmentMaxAgeMs: 60000, maxBytes: 1 << 30 });
} catch (err) {
  console.log(err.code);
}
process.exit(0);
`;

describe('queue recovery', () => {
  it('keeps every acknowledged record when trimming a torn tail is cut short', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-recovery-'));
    const opts: DurableQueueOptions = { dir, segmentMaxRows: 1000, segmentMaxBytes: 1 << 30, segmentMaxAgeMs: 60_000, maxBytes: 1 << 30 };
    const q = openDurableQueue(opts);
    for (let i = 0; i < 10; i++) await q.append({ bytes: Buffer.alloc(RECORD, 65 + i), rows: 1 });
    // The process dies with a torn write after ten acknowledged records.
    const [segment] = listSegments(dir);
    appendFileSync(dataPathOf(dir, segment), 'torn');

    // The next start is cut short while it trims (files may grow no larger than 64 KiB here).
    const child = spawnSync('bash', ['-c', `ulimit -f 64; exec "${process.execPath}" --input-type=module -e "$0" "$1" "$2"`, CHILD, QUEUE_JS, dir], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);

    const reopened = openDurableQueue(opts);
    expect(reopened.stats().recoveredRows).toBe(10);
    expect(reopened.stats().bytes).toBe(10 * RECORD);
  });
});
