// The durable queue between receivers and ClickHouse: every accepted request's rows are appended
// to a segment file and fsync'd (one fsync per group of concurrent requests) before the request is
// acknowledged. The files' layout is in segment-format.ts, what a restart finds in recovery.ts.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { OverloadedError, QueueWriteError, RecordTooLargeError } from './errors.js';
import { recoverQueueDir, type RecoveryStats } from './recovery.js';
import { dataPathOf, encodeIndexEntry, INDEX_ENTRY_BYTES, indexPathOf, rejectedDirOf, sealedSegmentOf, type QueueRecord, type SealedSegment, type SegmentName } from './segment-format.js';

export type { SealedSegment } from './segment-format.js';

export interface DurableQueueOptions {
  dir: string;
  /** A segment is sealed (ready to insert) at this many rows… */
  segmentMaxRows: number;
  /** …or this many bytes… */
  segmentMaxBytes: number;
  /** …or when its first record has waited this long. */
  segmentMaxAgeMs: number;
  /** Bytes on disk (sealed and open segments) above which append() refuses with OverloadedError. */
  maxBytes: number;
}

export interface QueueStats extends RecoveryStats {
  segments: number;
  rows: number;
  bytes: number;
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

interface OpenSegment {
  seq: number;
  runId: string;
  data: FileHandle;
  index: FileHandle;
  rows: number;
  bytes: number;
  records: number;
  timer?: NodeJS.Timeout;
}

interface Pending {
  chunks: Buffer[];
  entries: Buffer[];
  rows: number;
  bytes: number;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
  /** sealOpen() calls to answer once this group is committed and the segment holding it sealed. */
  sealers: (() => void)[];
}

const emptyPending = (): Pending => ({ chunks: [], entries: [], rows: 0, bytes: 0, waiters: [], sealers: [] });
/**
 * Moves a segment's own files into `rejected/`, index first (a data file left without its index is
 * read as empty and deleted at the next start). Never fails: a file that cannot be moved is deleted,
 * so a full or read-only disk cannot stop the inserter over evidence.
 */
async function moveAside(dir: string, n: SegmentName): Promise<void> {
  const aside = rejectedDirOf(dir);
  const made = await mkdir(aside, { recursive: true }).then(() => true, () => false);
  for (const path of [indexPathOf(dir, n), dataPathOf(dir, n)]) {
    const moved = made && (await rename(path, join(aside, basename(path))).then(() => true, () => false));
    if (!moved) await rm(path, { force: true }).catch(() => {});
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function assertWhole(result: { bytesWritten: number }, expected: number): void {
  if (result.bytesWritten !== expected) throw new Error(`short write: ${result.bytesWritten} of ${expected} bytes (disk full?)`);
}

export function openDurableQueue(options: DurableQueueOptions): DurableQueue {
  const dir = options.dir;
  mkdirSync(dir, { recursive: true });
  // Every run names its segments with its own id, and a segment's deduplication token comes from its
  // name: a replay after a crash reuses the token, while a new segment can never reuse one the engine
  // still remembers from an earlier run (even if the folder was emptied and numbering restarted).
  const runId = randomUUID();
  const recovered = recoverQueueDir(dir);
  const stats: QueueStats = { segments: 0, rows: 0, bytes: 0, appendedRecords: 0, groupCommits: 0, ...recovered.stats };
  const sealed = recovered.sealed;
  let nextSeq = recovered.nextSeq;
  let diskBytes = sealed.reduce((n, s) => n + s.bytes, 0);

  let current: OpenSegment | undefined;
  let pending = emptyPending();
  let committing: Promise<void> | undefined;
  let inFlight: Pending | undefined;
  let sealWhenIdle = false;
  let closed = false;
  let nextWaiter: (() => void) | undefined;
  let removedWaiters: { upTo: number; resolve: () => void }[] = [];

  function notifyRemoved(): void {
    removedWaiters = removedWaiters.filter((w) => {
      if (sealed.some((s) => s.seq <= w.upTo)) return true;
      w.resolve();
      return false;
    });
  }

  function wake(): void {
    const w = nextWaiter;
    nextWaiter = undefined;
    w?.();
  }

  async function openSegment(): Promise<OpenSegment> {
    const name: SegmentName = { seq: nextSeq++, runId };
    const data = await open(dataPathOf(dir, name), 'w');
    const index = await open(indexPathOf(dir, name), 'w');
    fsyncDir(dir);
    const seg: OpenSegment = { ...name, data, index, rows: 0, bytes: 0, records: 0 };
    seg.timer = setTimeout(() => {
      seg.timer = undefined;
      if (current !== seg) return;
      if (committing) sealWhenIdle = true;
      else void sealCurrent();
    }, options.segmentMaxAgeMs);
    return seg;
  }

  async function sealCurrent(): Promise<void> {
    const seg = current;
    if (!seg) return;
    current = undefined;
    if (seg.timer) clearTimeout(seg.timer);
    // Queued from this moment (its records are on disk already), not once its files are closed:
    // meanwhile next(), whenSealedRemoved() and closeForAppends() would miss it and a shutdown
    // or a flush would go ahead without it.
    if (seg.rows > 0) {
      sealed.push(sealedSegmentOf(seg, dataPathOf(dir, seg), seg.rows, seg.bytes));
      wake();
    }
    await Promise.all([seg.data.close(), seg.index.close()]);
    if (seg.rows === 0) {
      await Promise.all([rm(dataPathOf(dir, seg), { force: true }), rm(indexPathOf(dir, seg), { force: true })]);
    }
  }

  async function commitGroups(): Promise<void> {
    while (pending.waiters.length > 0) {
      const group = pending;
      pending = emptyPending();
      inFlight = group;
      let seg: OpenSegment | undefined;
      try {
        seg = current ??= await openSegment();
        // A full disk (or a file-size limit) can cut a write short without an error: only a
        // whole record may be acknowledged.
        assertWhole(await seg.data.writev(group.chunks), group.bytes);
        assertWhole(await seg.index.writev(group.entries), group.entries.length * INDEX_ENTRY_BYTES);
        await Promise.all([seg.data.datasync(), seg.index.datasync()]);
      } catch (err) {
        // Nothing of this group is acknowledged; the segment is sealed at its last good record
        // (recovery at the next start trims any partial write).
        if (seg) {
          await seg.data.truncate(seg.bytes).catch(() => {});
          await seg.index.truncate(seg.records * INDEX_ENTRY_BYTES).catch(() => {});
          await sealCurrent().catch(() => {});
        }
        diskBytes -= group.bytes;
        const failure = new QueueWriteError(`cannot write to the durable queue in ${dir}: ${(err as Error).message}`, { cause: err });
        for (const w of group.waiters) w.reject(failure);
        for (const s of group.sealers) s();
        inFlight = undefined;
        continue;
      }
      seg.rows += group.rows;
      seg.bytes += group.bytes;
      seg.records += group.waiters.length;
      stats.appendedRecords += group.waiters.length;
      stats.groupCommits++;
      for (const w of group.waiters) w.resolve();
      if (seg.rows >= options.segmentMaxRows || seg.bytes >= options.segmentMaxBytes || sealWhenIdle || group.sealers.length > 0) {
        sealWhenIdle = false;
        await sealCurrent();
      }
      for (const s of group.sealers) s();
      inFlight = undefined;
    }
  }

  function kick(): void {
    if (committing) return;
    committing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(commitGroups)
      .finally(() => {
        committing = undefined;
        if (pending.waiters.length > 0) kick();
        else if (sealWhenIdle) {
          sealWhenIdle = false;
          void sealCurrent();
        }
      });
  }

  return {
    append(encoded) {
      if (closed) return Promise.reject(new OverloadedError('the collector is shutting down'));
      if (encoded.rows === 0) return Promise.resolve();
      const size = encoded.bytes.length;
      if (size > options.maxBytes) {
        return Promise.reject(new RecordTooLargeError(
          `the request's ${encoded.rows} spans take ${size} bytes stored, more than the whole durable queue (${options.maxBytes} bytes); send smaller batches`));
      }
      if (diskBytes + size > options.maxBytes) {
        return Promise.reject(new OverloadedError(`the durable queue is full (${options.maxBytes} bytes waiting to be stored)`));
      }
      diskBytes += size;
      const entry = encodeIndexEntry(encoded);
      return new Promise<void>((resolve, reject) => {
        pending.chunks.push(encoded.bytes);
        pending.entries.push(entry);
        pending.rows += encoded.rows;
        pending.bytes += size;
        pending.waiters.push({ resolve, reject });
        kick();
      });
    },
    async next() {
      for (;;) {
        if (sealed.length > 0) return sealed[0];
        if (closed && !current && !committing) return undefined;
        await new Promise<void>((resolve) => (nextWaiter = resolve));
      }
    },
    async remove(segment) {
      const i = sealed.indexOf(segment);
      if (i >= 0) sealed.splice(i, 1);
      diskBytes -= segment.bytes;
      // Index first: a crash between the two leaves a data file without an index, which recovery
      // reads as empty and deletes; the other order would leave an index nothing ever cleans up.
      if (segment.corruptRecords) {
        // The damaged segment is evidence for the operator; its whole records are stored.
        await moveAside(dir, segment);
        await rm(segment.dataPath, { force: true });
      } else {
        await rm(indexPathOf(dir, segment), { force: true });
        await rm(segment.dataPath, { force: true });
      }
      notifyRemoved();
    },
    async setAside(segment) {
      const i = sealed.indexOf(segment);
      if (i >= 0) sealed.splice(i, 1);
      diskBytes -= segment.bytes;
      await moveAside(dir, segment);
      if (segment.corruptRecords) await rm(segment.dataPath, { force: true });
      notifyRemoved();
    },
    async sealOpen() {
      // Sealed right after the group holding everything appended so far is committed (the commit
      // loop seals between groups, never under a write): waiting for the queue to stop committing
      // would wait forever under steady appends.
      const group = pending.waiters.length > 0 ? pending : inFlight;
      if (group) return new Promise<void>((resolve) => group.sealers.push(resolve));
      await sealCurrent();
    },
    whenSealedRemoved() {
      const upTo = sealed.reduce((n, s) => Math.max(n, s.seq), 0);
      return new Promise<void>((resolve) => {
        removedWaiters.push({ upTo, resolve });
        notifyRemoved();
      });
    },
    async closeForAppends() {
      closed = true;
      while (committing) await committing;
      await sealCurrent();
      wake();
    },
    stats() {
      const open = current ? 1 : 0;
      return {
        ...stats,
        segments: sealed.length + open,
        rows: sealed.reduce((n, s) => n + s.rows, 0) + (current?.rows ?? 0),
        bytes: diskBytes,
      };
    },
  };
}
