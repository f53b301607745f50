// Set-aside segments (in the queue's rejected/ folder) stay on the queue's disk budget until the
// operator acts: appends are refused past the budget with a message that points at the command,
// a retried segment is queued again under its own token, a discarded one frees its bytes, a
// segment kept as evidence of disk damage cannot be retried, and a retry cut short by a crash
// loses nothing and completes when asked again.
import { existsSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDurableQueue, type DurableQueueOptions } from '../../collector/queue/durable-queue.js';
import { OverloadedError } from '../../collector/queue/errors.js';
import { listRejected, rejectedUsage, restoreRejected } from '../../collector/queue/rejected-segments.js';
import { dataPathOf, indexPathOf, listSegments, rejectedDirOf, segmentBaseName, tokenOf } from '../../collector/queue/segment-format.js';
import { rotByte } from '../helpers/queue-segments.js';

const record = (text: string, n = 1) => ({ bytes: Buffer.from(text), rows: n });

function options(overrides: Partial<DurableQueueOptions> = {}): DurableQueueOptions {
  return { dir: mkdtempSync(join(tmpdir(), 'verdict-queue-')), segmentMaxRows: 1000, segmentMaxBytes: 1 << 20, segmentMaxAgeMs: 60_000, maxBytes: 1 << 20, ...overrides };
}

/** A queue holding one segment of `text`, sealed and then refused by the store. */
async function withSetAside(opts: DurableQueueOptions, text: string) {
  const q = openDurableQueue(opts);
  await q.append(record(text, 3));
  await q.sealOpen();
  const segment = (await q.next())!;
  await q.setAside(segment);
  return { q, segment, id: segmentBaseName(segment) };
}

describe('set-aside segments', () => {
  it('count against the budget until discarded; the refusal names the command', async () => {
    // 12 bytes set aside (data) plus one 12-byte index entry = 24 of a 40-byte budget.
    const opts = options({ maxBytes: 40 });
    const { q, id } = await withSetAside(opts, 'rejected-123');
    expect(q.stats()).toMatchObject({ bytes: 0, rejectedSegments: 1, rejectedBytes: 24 });
    await expect(q.append(record('x'.repeat(17)))).rejects.toThrow(OverloadedError);
    await expect(q.append(record('x'.repeat(17)))).rejects.toThrow('the durable queue is full (40 bytes waiting to be stored, 24 of them in set-aside segments: see `verdict queue rejected list`)');
    await q.append(record('x'.repeat(16)));

    expect(q.discardRejected(id)).toMatchObject({ id, rows: 3, bytes: 24 });
    expect(q.stats()).toMatchObject({ rejectedSegments: 0, rejectedBytes: 0 });
    expect(listRejected(opts.dir)).toEqual([]);
    await q.append(record('x'.repeat(17)));
    await q.closeForAppends();
    expect(() => q.discardRejected(id)).toThrow(/no set-aside segment "seg-/);
  });

  it('are counted from disk at start', async () => {
    const opts = options();
    const { q } = await withSetAside(opts, 'abc');
    await q.closeForAppends();
    const reopened = openDurableQueue(opts);
    expect(reopened.stats()).toMatchObject({ rejectedSegments: 1, rejectedBytes: 3 + 12, segments: 0 });
  });

  it('a retried one is queued again with its own token and rows, and leaves the budget of set-aside bytes', async () => {
    const opts = options();
    const { q, segment, id } = await withSetAside(opts, 'again');
    const [listed] = q.listRejected();
    expect(listed).toMatchObject({ id, rows: 3, records: 1, damagedRecords: 0, bytes: 5 + 12 });
    expect(Date.parse(listed.setAsideAt)).not.toBeNaN();
    expect(q.retryRejected(id)).toEqual(listed);
    expect(q.stats()).toMatchObject({ rejectedSegments: 0, rejectedBytes: 0, bytes: 5, rows: 3 });
    const queued = (await q.next())!;
    expect(queued).toMatchObject({ token: tokenOf(segment), rows: 3, dataPath: dataPathOf(opts.dir, segment) });
    await q.remove(queued);
    expect(listSegments(opts.dir)).toEqual([]);
  });

  it('one kept as evidence of disk damage cannot be retried, only discarded', async () => {
    const opts = options();
    const q = openDurableQueue(opts);
    await q.append(record('aaaa'));
    await q.append(record('bbbb'));
    const [segment] = listSegments(opts.dir);
    rotByte(opts.dir, segment, 0, 1);
    // Recovery copies the whole record out; once it is stored, the damaged original is set aside.
    const reopened = openDurableQueue(opts);
    await reopened.remove((await reopened.next())!);
    const id = segmentBaseName(segment);
    expect(reopened.listRejected()).toMatchObject([{ id, rows: 1, records: 2, damagedRecords: 1 }]);
    expect(() => reopened.retryRejected(id)).toThrow(/kept as evidence of disk damage \(1 record\(s\) fail their checksum\)/);
    expect(reopened.stats().rejectedSegments).toBe(1);
    reopened.discardRejected(id);
    expect(rejectedUsage(opts.dir)).toEqual({ segments: 0, bytes: 0 });
  });

  it('a retry cut short between its two moves loses nothing and completes when asked again', async () => {
    const opts = options();
    const { q, segment, id } = await withSetAside(opts, 'halfway');
    await q.closeForAppends();
    // The index went back to the queue folder; the process died before the data file followed.
    renameSync(indexPathOf(rejectedDirOf(opts.dir), segment), indexPathOf(opts.dir, segment));
    const reopened = openDurableQueue(opts);
    expect(reopened.stats().segments).toBe(0); // the queue sees a segment by its data file only
    expect(reopened.listRejected()).toMatchObject([{ id, rows: 3, records: 1 }]);
    restoreRejected(opts.dir, id);
    expect(existsSync(dataPathOf(opts.dir, segment))).toBe(true);
    const again = openDurableQueue(opts);
    expect((await again.next())!).toMatchObject({ token: tokenOf(segment), rows: 3 });
  });
});
