// The durable queue between receivers and ClickHouse: every accepted request's rows are on disk
// (fsync'd) before the request is acknowledged, and stay there until the store holds them. This is
// the queue's face: its disk budget, the sealed segments in order, and their removal.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { OverloadedError, RecordTooLargeError } from './errors.js';
import { recoverQueueDir, type RecoveryStats } from './recovery.js';
import { discardRejected, listRejected, rejectedSegment, rejectedUsage, restoreRejected, type RejectedSegment } from './rejected-segments.js';
import { dataPathOf, indexPathOf, rejectedDirOf, sealedSegmentOf, type QueueRecord, type SealedSegment, type SegmentName } from './segment-format.js';
import { startSegmentWriter, type SealLimits } from './segment-writer.js';

export type { SealedSegment } from './segment-format.js';
export type { RejectedSegment } from './rejected-segments.js';

export interface DurableQueueOptions extends SealLimits {
  dir: string;
  /** Bytes on disk (sealed and open segments) above which append() refuses with OverloadedError. */
  maxBytes: number;
}

export interface QueueStats extends RecoveryStats {
  segments: number;
  /** Of those, the sealed ones: waiting for their insert, or being inserted (the rest is the open one). */
  sealedSegments: number;
  rows: number;
  bytes: number;
  /** Segments set aside in rejected/ and their bytes: kept on disk, counted against the budget. */
  rejectedSegments: number;
  rejectedBytes: number;
  appendedRecords: number;
  groupCommits: number;
}

export interface DurableQueue {
  /** Resolves once the rows are on disk (fsync'd). */
  append(rows: QueueRecord): Promise<void>;
  /** The oldest sealed segment not yet removed; waits for one. Undefined once closed and drained of sealed segments. */
  next(): Promise<SealedSegment | undefined>;
  /** Forgets a segment whose rows are stored. */
  remove(segment: SealedSegment): Promise<void>;
  /** Moves a segment the store can never take out of the queue, into `rejected/`, kept for the operator. */
  setAside(segment: SealedSegment): Promise<void>;
  /** The segments in `rejected/`, oldest first. */
  listRejected(): RejectedSegment[];
  /** Puts a segment from `rejected/` back in the queue, to be inserted again. */
  retryRejected(id: string): RejectedSegment;
  /** Deletes a segment from `rejected/`, freeing its part of the budget. */
  discardRejected(id: string): RejectedSegment;
  /** Refuses further appends, commits what is pending and seals the open segment. */
  closeForAppends(): Promise<void>;
  /** Commits what is pending and seals the open segment now, so it can be inserted without waiting. */
  sealOpen(): Promise<void>;
  /**
   * Resolves once every segment sealed before the call is removed (stored or set aside), whatever
   * is appended meanwhile: on a busy collector the queue is never empty.
   */
  whenSealedRemoved(): Promise<void>;
  stats(): QueueStats;
}

export function openDurableQueue(options: DurableQueueOptions): DurableQueue {
  const dir = options.dir;
  mkdirSync(dir, { recursive: true });
  const recovered = recoverQueueDir(dir);
  const sealed = recovered.sealed;
  let diskBytes = sealed.reduce((n, s) => n + s.bytes, 0);
  // Set-aside segments hold acknowledged spans on this disk: they count against the budget until
  // the operator retries or discards them.
  const rejected = rejectedUsage(dir);
  let closed = false;
  let nextWaiter: (() => void) | undefined;
  let removedWaiters: { upTo: number; resolve: () => void }[] = [];

  const writer = startSegmentWriter({
    dir,
    // Every run names its segments with its own id, and a segment's deduplication token comes from its
    // name: a replay after a crash reuses the token, while a new segment can never reuse one the engine
    // still remembers from an earlier run (even if the folder was emptied and numbering restarted).
    runId: randomUUID(),
    firstSeq: recovered.nextSeq,
    limits: options,
    onSealed(segment) {
      sealed.push(segment);
      wake();
    },
    onGroupFailed(bytes) {
      diskBytes -= bytes;
    },
    // An aged segment is sealed at once only while the inserter waits for one (or the queue closes).
    sealOnAge: () => nextWaiter !== undefined || closed,
  });

  function wake(): void {
    const w = nextWaiter;
    nextWaiter = undefined;
    w?.();
  }

  function notifyRemoved(): void {
    removedWaiters = removedWaiters.filter((w) => {
      if (sealed.some((s) => s.seq <= w.upTo)) return true;
      w.resolve();
      return false;
    });
  }

  /** Moved to rejected/, counted there. */
  async function keepAside(segment: SealedSegment): Promise<void> {
    const moved = await setAsideFiles(dir, segment);
    if (moved > 0) {
      rejected.segments++;
      rejected.bytes += moved;
    }
  }

  /** Out of the queue and the budget at once; whenSealedRemoved() waits for its files to go too. */
  function takeOut(segment: SealedSegment): void {
    const i = sealed.indexOf(segment);
    if (i >= 0) sealed.splice(i, 1);
    diskBytes -= segment.bytes;
  }

  return {
    append(record) {
      if (closed) return Promise.reject(new OverloadedError('the collector is shutting down'));
      if (record.rows === 0) return Promise.resolve();
      const refused = refusal(record, diskBytes, rejected.bytes, options.maxBytes);
      if (refused) return Promise.reject(refused);
      diskBytes += record.bytes.length;
      return writer.append(record);
    },
    async next() {
      for (;;) {
        // A segment held open past its age while the inserter was busy: sealed now that it asks.
        if (sealed.length === 0) writer.sealIfAged();
        if (sealed.length > 0) return sealed[0];
        if (closed && writer.idle()) return undefined;
        await new Promise<void>((resolve) => (nextWaiter = resolve));
      }
    },
    async remove(segment) {
      takeOut(segment);
      if (segment.corruptRecords) {
        // The damaged segment is evidence for the operator; its whole records are stored.
        await keepAside(segment);
      } else {
        // Index first: a crash between the two leaves a data file without an index, which recovery
        // reads as empty and deletes; the other order would leave an index nothing ever cleans up.
        await rm(indexPathOf(dir, segment), { force: true });
        await rm(segment.dataPath, { force: true });
      }
      notifyRemoved();
    },
    async setAside(segment) {
      takeOut(segment);
      await keepAside(segment);
      notifyRemoved();
    },
    listRejected: () => listRejected(dir),
    retryRejected(id) {
      const before = rejectedSegment(dir, id);
      if (closed) throw new OverloadedError('the collector is shutting down');
      const { name, rows, bytes } = restoreRejected(dir, id);
      rejected.segments--;
      rejected.bytes -= before.bytes;
      diskBytes += bytes;
      sealed.push(sealedSegmentOf(name, dataPathOf(dir, name), rows, bytes));
      wake();
      return before;
    },
    discardRejected(id) {
      const before = rejectedSegment(dir, id);
      discardRejected(dir, id);
      rejected.segments--;
      rejected.bytes -= before.bytes;
      return before;
    },
    sealOpen: () => writer.sealOpen(),
    whenSealedRemoved() {
      const upTo = sealed.reduce((n, s) => Math.max(n, s.seq), 0);
      return new Promise<void>((resolve) => {
        removedWaiters.push({ upTo, resolve });
        notifyRemoved();
      });
    },
    async closeForAppends() {
      closed = true;
      await writer.drain();
      wake();
    },
    stats() {
      const openRows = writer.openRows();
      return {
        segments: sealed.length + (openRows === undefined ? 0 : 1),
        sealedSegments: sealed.length,
        rows: sealed.reduce((n, s) => n + s.rows, 0) + (openRows ?? 0),
        bytes: diskBytes,
        rejectedSegments: rejected.segments,
        rejectedBytes: rejected.bytes,
        appendedRecords: writer.appendedRecords(),
        groupCommits: writer.groupCommits(),
        ...recovered.stats,
      };
    },
  };
}

/** Why a record cannot be queued now, if it cannot. */
function refusal(record: QueueRecord, queuedBytes: number, rejectedBytes: number, maxBytes: number): Error | undefined {
  const size = record.bytes.length;
  if (size > maxBytes) {
    return new RecordTooLargeError(
      `the request's ${record.rows} spans take ${size} bytes stored, more than the whole durable queue (${maxBytes} bytes); send smaller batches`);
  }
  if (queuedBytes + rejectedBytes + size > maxBytes) {
    const aside = rejectedBytes > 0 ? `, ${rejectedBytes} of them in set-aside segments: see \`verdict queue rejected list\`` : '';
    return new OverloadedError(`the durable queue is full (${maxBytes} bytes waiting to be stored${aside})`);
  }
  return undefined;
}

/** The segment's own files go to `rejected/`; a whole-record copy made from it is dropped. Resolves with the bytes moved. */
async function setAsideFiles(dir: string, segment: SealedSegment): Promise<number> {
  const moved = await moveAside(dir, segment);
  if (segment.corruptRecords) await rm(segment.dataPath, { force: true });
  return moved;
}

/**
 * Moves a segment's own files into `rejected/`, index first (a data file left without its index is
 * read as empty and deleted at the next start). Never fails: a file that cannot be moved is deleted,
 * so a full or read-only disk cannot stop the inserter over evidence.
 */
async function moveAside(dir: string, name: SegmentName): Promise<number> {
  const aside = rejectedDirOf(dir);
  const made = await mkdir(aside, { recursive: true }).then(() => true, () => false);
  let bytes = 0;
  for (const path of [indexPathOf(dir, name), dataPathOf(dir, name)]) {
    const size = await stat(path).then((s) => s.size, () => 0);
    const moved = made && (await rename(path, join(aside, basename(path))).then(() => true, () => false));
    if (moved) bytes += size;
    else await rm(path, { force: true }).catch(() => {});
  }
  return bytes;
}
