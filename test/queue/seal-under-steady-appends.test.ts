// sealOpen() (and so flush) must not wait for the queue to stop committing: under steady appends
// a new group is always being committed, and the seal would never come.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDurableQueue } from '../../collector/queue/durable-queue.js';
import { startSegmentInserter } from '../../collector/segment-inserter.js';

describe('flush under steady appends', () => {
  it('seals and stores what came before it while a writer keeps appending', async () => {
    const queue = openDurableQueue({ dir: mkdtempSync(join(tmpdir(), 'verdict-steady-')), segmentMaxRows: 1e9, segmentMaxBytes: 1 << 30, segmentMaxAgeMs: 600_000, maxBytes: 1 << 30 });
    const stored: string[] = [];
    const sink = startSegmentInserter({ queue, insertSegment: async (dataPath) => void stored.push(readFileSync(dataPath, 'utf8')) });
    await queue.append({ bytes: Buffer.from('first;'), rows: 1 });

    // A sender that appends again as soon as it is acknowledged (a backlog being exported).
    let writing = true;
    const writer = (async () => {
      while (writing) await queue.append({ bytes: Buffer.from('more;'), rows: 1 });
    })();
    try {
      await sink.flush();
      expect(stored.length).toBeGreaterThan(0);
      expect(stored[0].startsWith('first;')).toBe(true);
    } finally {
      writing = false;
      await writer;
    }
    // Nothing was lost or doubled around the seal: the rest comes with the next flush.
    await sink.flush();
    const all = stored.join('').split(';').filter(Boolean);
    expect(all[0]).toBe('first');
    expect(all.length).toBe(queue.stats().appendedRecords);
    await sink.close(1000);
  }, 5_000);
});
