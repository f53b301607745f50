// flush() promises that everything acknowledged before it is stored. Spans keep arriving on a busy
// collector: flush must finish once the earlier ones are stored, not wait for a moment when
// nothing at all is queued (which under steady traffic never comes).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDurableQueue } from '../collector/queue/durable-queue.js';
import { startSegmentInserter } from '../collector/segment-inserter.js';

describe('flush on a busy collector', () => {
  it('resolves once what was acknowledged before it is stored, while newer spans wait in the open segment', async () => {
    // Segments seal only by flush here (the age limit is far away), as under steady traffic a new
    // segment is always open.
    const queue = openDurableQueue({ dir: mkdtempSync(join(tmpdir(), 'verdict-flush-')), segmentMaxRows: 1000, segmentMaxBytes: 1 << 20, segmentMaxAgeMs: 600_000, maxBytes: 1 << 20 });
    const stored: string[] = [];
    // The first insert is held until the test lets it go: spans arrive while it runs.
    let inserting!: () => void;
    const insertStarted = new Promise<void>((r) => (inserting = r));
    let finishInsert!: () => void;
    const insertHeld = new Promise<void>((r) => (finishInsert = r));
    const sink = startSegmentInserter({
      queue,
      insertSegment: async (dataPath) => {
        stored.push(readFileSync(dataPath, 'utf8'));
        inserting();
        await insertHeld;
      },
    });

    await queue.append({ bytes: Buffer.from('before'), rows: 1 });
    const flushed = sink.flush();
    await insertStarted;
    await queue.append({ bytes: Buffer.from('after'), rows: 1 });
    finishInsert();
    await flushed;
    expect(stored).toEqual(['before']);

    // The newer span is stored by the next flush (or its age), not lost.
    await sink.flush();
    expect(stored).toEqual(['before', 'after']);
    await sink.close(1000);
  }, 5_000);
});
