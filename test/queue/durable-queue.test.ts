// The durable queue on its own: group commit, sealing, recovery of a torn tail after a crash,
// stable deduplication tokens across restarts, and the disk budget.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDurableQueue, type DurableQueueOptions } from '../../collector/queue/durable-queue.js';
import { OverloadedError, RecordTooLargeError } from '../../collector/queue/errors.js';
import {
  dataFileName,
  dataPathOf,
  encodeIndexEntry,
  INDEX_ENTRY_BYTES,
  indexFileName,
  indexPathOf,
  listSegments,
  REJECTED_DIR,
  rejectedDirOf,
  segmentBaseName,
  wholePathOf,
  wholeTempPathOf,
} from '../../collector/queue/segment-format.js';
import { rotByte } from '../helpers/queue-segments.js';

const rows = (text: string, n = 1) => ({ bytes: Buffer.from(text), rows: n });

function options(overrides: Partial<DurableQueueOptions> = {}): DurableQueueOptions {
  return {
    dir: mkdtempSync(join(tmpdir(), 'verdict-queue-')),
    segmentMaxRows: 1000,
    segmentMaxBytes: 1 << 20,
    segmentMaxAgeMs: 60_000,
    maxBytes: 1 << 20,
    ...overrides,
  };
}

describe('durable queue', () => {
  it('acknowledges concurrent appends with fewer fsync groups than requests, in order', async () => {
    const opts = options();
    const q = openDurableQueue(opts);
    await Promise.all(Array.from({ length: 50 }, (_, i) => q.append(rows(`r${String(i).padStart(2, '0')};`, 2))));
    const stats = q.stats();
    expect(stats.appendedRecords).toBe(50);
    expect(stats.groupCommits).toBeLessThan(50);
    expect(stats.rows).toBe(100);
    await q.sealOpen();
    const seg = (await q.next())!;
    expect(seg.rows).toBe(100);
    expect(readFileSync(seg.dataPath, 'utf8')).toBe(Array.from({ length: 50 }, (_, i) => `r${String(i).padStart(2, '0')};`).join(''));
  });

  it('seals a segment at its row limit and on its age limit', async () => {
    const q = openDurableQueue(options({ segmentMaxRows: 3, segmentMaxAgeMs: 30 }));
    await q.append(rows('a', 2));
    await q.append(rows('b', 2));
    const full = (await q.next())!;
    expect(full.rows).toBe(4);
    await q.remove(full);
    await q.append(rows('c', 1));
    // Not full: sealed by age, which next() waits for.
    const aged = (await q.next())!;
    expect(aged.rows).toBe(1);
    expect(readFileSync(aged.dataPath, 'utf8')).toBe('c');
  });

  it('recovers after a crash: whole records kept with the same token, a torn tail dropped', async () => {
    const opts = options();
    const q = openDurableQueue(opts);
    await q.append(rows('first-', 1));
    await q.append(rows('second', 1));
    // The process dies here: the open segment is never sealed. Simulate a torn third write: part of
    // its bytes and half its index entry.
    const [segment] = listSegments(opts.dir);
    const third = rows('third');
    appendFileSync(dataPathOf(opts.dir, segment), third.bytes.subarray(0, 3));
    appendFileSync(indexPathOf(opts.dir, segment), encodeIndexEntry(third).subarray(0, INDEX_ENTRY_BYTES / 2));

    const reopened = openDurableQueue(opts);
    expect(reopened.stats()).toMatchObject({ recoveredSegments: 1, recoveredRows: 2, tornRecords: 1, rows: 2 });
    const seg = (await reopened.next())!;
    expect(readFileSync(seg.dataPath, 'utf8')).toBe('first-second');
    expect(statSync(indexPathOf(opts.dir, segment)).size).toBe(2 * INDEX_ENTRY_BYTES);

    // A last record whose bytes do not match its checksum is a torn write: dropped.
    appendFileSync(seg.dataPath, 'XYZ');
    appendFileSync(indexPathOf(opts.dir, segment), encodeIndexEntry(rows('xyz'))); // the checksum of other bytes
    const again = openDurableQueue(opts);
    const same = (await again.next())!;
    expect(same.token).toBe(seg.token);
    expect(same.rows).toBe(2);
    expect(again.stats().tornRecords).toBe(1);
  });

  it('skips a record damaged on disk, keeps the records around it under the same token, and keeps the damaged segment', async () => {
    const opts = options();
    const q = openDurableQueue(opts);
    await q.append(rows('aaaa', 1));
    await q.append(rows('bbbb', 2));
    await q.append(rows('cccc', 3));
    // The process dies (nothing sealed); later a byte of the acknowledged middle record rots.
    const [segment] = listSegments(opts.dir);
    const damaged = rotByte(opts.dir, segment, 1, 1);

    const reopened = openDurableQueue(opts);
    expect(reopened.stats()).toMatchObject({ recoveredRows: 4, corruptRecords: 1, tornRecords: 0, rows: 4, bytes: 8 });
    const seg = (await reopened.next())!;
    expect(seg.corruptRecords).toBe(1);
    expect(readFileSync(seg.dataPath, 'utf8')).toBe('aaaacccc');
    expect(readFileSync(dataPathOf(opts.dir, segment))).toEqual(damaged);

    // Killed again before the insert finished: the same rows come back under the same token.
    const again = openDurableQueue(opts);
    const same = (await again.next())!;
    expect([same.token, same.rows, readFileSync(same.dataPath, 'utf8')]).toEqual([seg.token, 4, 'aaaacccc']);

    // Once stored, the damaged segment goes to rejected/ for the operator; nothing is left to replay.
    await again.remove(same);
    expect(readdirSync(opts.dir).filter((f) => f !== REJECTED_DIR)).toEqual([]);
    expect(readFileSync(join(rejectedDirOf(opts.dir), dataFileName(segment)))).toEqual(damaged);
    expect(openDurableQueue(opts).stats()).toMatchObject({ segments: 0, recoveredRows: 0, corruptRecords: 0 });
  });

  it('reads a bad tail of a sealed segment as damage, not a torn write: nothing is cut, the segment is kept', async () => {
    // One record per segment: all but the run's last are sealed, so none of them can be torn.
    const opts = options({ segmentMaxRows: 1 });
    const q = openDurableQueue(opts);
    await q.append(rows('aaaa'));
    await q.append(rows('bbbb'));
    await q.append(rows('cccc'));
    const segments = listSegments(opts.dir);
    expect(segments).toHaveLength(3);
    const damaged = rotByte(opts.dir, segments[1], 0, 1);

    const reopened = openDurableQueue(opts);
    expect(reopened.stats()).toMatchObject({ segments: 2, rows: 2, corruptRecords: 1, tornRecords: 0 });
    expect(readFileSync(join(rejectedDirOf(opts.dir), dataFileName(segments[1])))).toEqual(damaged);
    expect(readdirSync(rejectedDirOf(opts.dir)).sort()).toEqual([dataFileName(segments[1]), indexFileName(segments[1])].sort());
  });

  it('cleans up after a removal or a copy a crash cut short, without calling it damage', async () => {
    const opts = options({ segmentMaxRows: 1 });
    const q = openDurableQueue(opts);
    await q.append(rows('aaaa'));
    await q.append(rows('bbbb'));
    const [first] = listSegments(opts.dir);
    // Removal deletes the index first; the crash came before the data file went.
    rmSync(indexPathOf(opts.dir, first));
    // A whole-record copy whose segment is gone, and a copy's half-written temporary file.
    writeFileSync(wholePathOf(opts.dir, first), 'aaaa');
    writeFileSync(wholeTempPathOf(opts.dir, first), 'aa');

    const reopened = openDurableQueue(opts);
    expect(reopened.stats()).toMatchObject({ segments: 1, rows: 1, corruptRecords: 0 });
    expect(readdirSync(opts.dir).some((f) => f.startsWith(segmentBaseName(first)))).toBe(false);
  });

  it('sets a damaged segment aside whole, and never fails a removal over its evidence', async () => {
    const damage = async () => {
      const opts = options();
      const q = openDurableQueue(opts);
      await q.append(rows('aaaa'));
      await q.append(rows('bbbb'));
      await q.append(rows('cccc'));
      const [segment] = listSegments(opts.dir);
      const damaged = rotByte(opts.dir, segment, 1, 1);
      const reopened = openDurableQueue(opts);
      return { opts, damaged, queue: reopened, segment: (await reopened.next())! };
    };
    // The store refuses the copy: the damaged original goes to rejected/, the copy is dropped.
    const refused = await damage();
    await refused.queue.setAside(refused.segment);
    expect(readdirSync(refused.opts.dir).filter((f) => f !== REJECTED_DIR)).toEqual([]);
    expect(readFileSync(join(rejectedDirOf(refused.opts.dir), dataFileName(refused.segment)))).toEqual(refused.damaged);

    // rejected/ cannot be made (here a file stands in its way): the stored segment is deleted instead.
    const blocked = await damage();
    writeFileSync(rejectedDirOf(blocked.opts.dir), '');
    await blocked.queue.remove(blocked.segment);
    expect(readdirSync(blocked.opts.dir)).toEqual([REJECTED_DIR]);
    expect(blocked.queue.stats().segments).toBe(0);
  });

  it('never reuses a token, even when the folder was emptied and numbering restarts', async () => {
    const opts = options();
    const a = openDurableQueue(opts);
    await a.append(rows('x'));
    await a.sealOpen();
    const first = (await a.next())!;
    await a.remove(first);
    const b = openDurableQueue(opts);
    await b.append(rows('y'));
    await b.sealOpen();
    const second = (await b.next())!;
    expect(second.seq).toBe(first.seq);
    expect(second.token).not.toBe(first.token);
  });

  it('refuses appends beyond its disk budget until segments are removed, and after close', async () => {
    const q = openDurableQueue(options({ maxBytes: 10 }));
    // Larger than the whole budget: refused as such (never retryable), even into the empty queue.
    await expect(q.append(rows('12345678901'))).rejects.toBeInstanceOf(RecordTooLargeError);
    await q.append(rows('12345678'));
    await expect(q.append(rows('abc'))).rejects.toBeInstanceOf(OverloadedError);
    await q.sealOpen();
    await q.remove((await q.next())!);
    await q.append(rows('abc'));
    await q.closeForAppends();
    await expect(q.append(rows('z'))).rejects.toThrow(/shutting down/);
    await q.remove((await q.next())!);
    expect(await q.next()).toBeUndefined();
  });
});
