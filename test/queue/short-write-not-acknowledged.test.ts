// A disk that fills up (or a file-size limit) in the middle of a write makes write(2) return fewer
// bytes than asked, without an error. The queue must not acknowledge a record that is only partly
// on disk: every acknowledged record must come back after a restart.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDurableQueue } from '../../collector/queue/durable-queue.js';
import { PACKAGE_ROOT } from '../../schema/sql-files.js';

const QUEUE_JS = join(PACKAGE_ROOT, 'dist', 'collector', 'queue', 'durable-queue.js');
const RECORD = 10_000;

// Appends ten distinct 10 kB records one after another and prints which were acknowledged.
const CHILD = `
const { openDurableQueue } = await import(process.argv[1]);
const q = openDurableQueue({ dir: process.argv[2], segmentMaxRows: 1000, segmentMaxBytes: 1 << 30, segmentMaxAgeMs: 60000, maxBytes: 1 << 30 });
const acked = [];
for (let i = 0; i < 10; i++) {
  try {
    await q.append({ bytes: Buffer.alloc(${RECORD}, 65 + i), rows: 1 });
    acked.push(i);
  } catch {}
}
console.log(JSON.stringify(acked));
process.exit(0);
`;

describe('durable queue on a full disk', () => {
  it('acknowledges only records that are wholly on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-short-write-'));
    // 64 KiB per file: the 7th record is cut short by the limit (as by ENOSPC), the 8th is refused.
    const child = spawnSync('bash', ['-c', `ulimit -f 64; exec "${process.execPath}" --input-type=module -e "$0" "$1" "$2"`, CHILD, QUEUE_JS, dir], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const acked = JSON.parse(child.stdout) as number[];
    expect(acked.length).toBeGreaterThan(0);
    expect(acked.length).toBeLessThan(10);

    // Restart without the limit: everything acknowledged is there, nothing torn.
    const q = openDurableQueue({ dir, segmentMaxRows: 1000, segmentMaxBytes: 1 << 30, segmentMaxAgeMs: 60_000, maxBytes: 1 << 30 });
    expect(q.stats().tornRecords).toBe(0);
    expect(q.stats().recoveredRows).toBe(acked.length);
    const stored: number[] = [];
    for (let seg = await q.next(); seg; seg = q.stats().segments > 0 ? await q.next() : undefined) {
      const bytes = readFileSync(seg.dataPath);
      for (let at = 0; at < bytes.length; at += RECORD) stored.push(bytes[at] - 65);
      await q.remove(seg);
    }
    expect(stored).toEqual(acked);
  });
});
