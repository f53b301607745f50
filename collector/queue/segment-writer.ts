// Appends records to this run's open segment and seals it. Requests that arrive while a group is
// being written wait for the next group, written with one writev and one fdatasync per file, so
// the cost of an fsync is shared by every concurrent request instead of paid by each.
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { QueueWriteError } from './errors.js';
import { dataPathOf, encodeIndexEntry, INDEX_ENTRY_BYTES, indexPathOf, sealedSegmentOf, type QueueRecord, type SealedSegment, type SegmentName } from './segment-format.js';

export interface SealLimits {
  /** A segment is sealed (ready to insert) at this many rows… */
  segmentMaxRows: number;
  /** …or this many bytes… */
  segmentMaxBytes: number;
  /** …or when its first record has waited this long. */
  segmentMaxAgeMs: number;
}

export interface SegmentWriterOptions {
  dir: string;
  /** Every segment this writer opens carries it in its name (and so in its token). */
  runId: string;
  firstSeq: number;
  limits: SealLimits;
  /** A segment holding records was sealed: it must count as queued from this moment on. */
  onSealed(segment: SealedSegment): void;
  /** A group was not written (nor acknowledged): its bytes are not on disk. */
  onGroupFailed(bytes: number): void;
  /**
   * Whether a segment that reached its age is sealed at once. When not (the inserter is busy with
   * an earlier one), it stays open, taking more records, until sealIfAged(): it would wait for
   * the inserter just the same, and one larger insert costs the engine far less than several small
   * ones (a part per table and view, and the merges behind them). Absent: always at once.
   */
  sealOnAge?(): boolean;
}

export interface SegmentWriter {
  /** Resolves once the record is on disk (fsync'd) with the group it joined. */
  append(record: QueueRecord): Promise<void>;
  /** Seals the open segment once everything appended so far is committed. */
  sealOpen(): Promise<void>;
  /** Waits for the commits under way, then seals the open segment. */
  drain(): Promise<void>;
  /** Seals the open segment if it reached its age while sealOnAge() said no. */
  sealIfAged(): void;
  /** Nothing is open and nothing is being committed. */
  idle(): boolean;
  /** Rows in the open segment; undefined when none is open. */
  openRows(): number | undefined;
  appendedRecords(): number;
  groupCommits(): number;
}

interface OpenSegment extends SegmentName {
  data: FileHandle;
  index: FileHandle;
  rows: number;
  bytes: number;
  records: number;
  timer?: NodeJS.Timeout;
  /** Reached its age, held open while the inserter was busy (sealOnAge). */
  aged?: boolean;
}

/** The records of one group commit, and who waits on it. */
interface Group {
  chunks: Buffer[];
  entries: Buffer[];
  rows: number;
  bytes: number;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
  /** sealOpen() calls to answer once this group is committed and the segment holding it sealed. */
  sealers: (() => void)[];
}

const emptyGroup = (): Group => ({ chunks: [], entries: [], rows: 0, bytes: 0, waiters: [], sealers: [] });

export function startSegmentWriter(options: SegmentWriterOptions): SegmentWriter {
  const { dir, runId, limits } = options;
  let nextSeq = options.firstSeq;
  let current: OpenSegment | undefined;
  let pending = emptyGroup();
  let inFlight: Group | undefined;
  let committing: Promise<void> | undefined;
  let sealWhenIdle = false;
  let appendedRecords = 0;
  let groupCommits = 0;

  async function openSegment(): Promise<OpenSegment> {
    const name: SegmentName = { seq: nextSeq++, runId };
    const seg: OpenSegment = { ...name, ...(await openSegmentFiles(dir, name)), rows: 0, bytes: 0, records: 0 };
    seg.timer = setTimeout(() => {
      seg.timer = undefined;
      if (current !== seg) return;
      if (options.sealOnAge && !options.sealOnAge()) seg.aged = true;
      else sealSoon();
    }, limits.segmentMaxAgeMs);
    return seg;
  }

  function sealSoon(): void {
    // Never under a write: the commit loop seals between groups.
    if (committing) sealWhenIdle = true;
    else void sealCurrent();
  }

  async function sealCurrent(): Promise<void> {
    const seg = current;
    if (!seg) return;
    current = undefined;
    if (seg.timer) clearTimeout(seg.timer);
    // Queued from this moment (its records are on disk already), not once its files are closed:
    // meanwhile next(), whenSealedRemoved() and closeForAppends() would miss it and a shutdown
    // or a flush would go ahead without it.
    if (seg.rows > 0) options.onSealed(sealedSegmentOf(seg, dataPathOf(dir, seg), seg.rows, seg.bytes));
    await Promise.all([seg.data.close(), seg.index.close()]);
    if (seg.rows === 0) {
      await Promise.all([rm(dataPathOf(dir, seg), { force: true }), rm(indexPathOf(dir, seg), { force: true })]);
    }
  }

  /** On failure nothing of the group is on disk for good: the segment is sealed at its last good record. */
  async function writeToOpenSegment(group: Group): Promise<{ seg: OpenSegment } | { err: unknown }> {
    let seg: OpenSegment | undefined;
    try {
      seg = current ??= await openSegment();
      await writeGroup(seg, group);
      return { seg };
    } catch (err) {
      if (seg) {
        // Recovery at the next start trims whatever partial write these cannot.
        await seg.data.truncate(seg.bytes).catch(() => {});
        await seg.index.truncate(seg.records * INDEX_ENTRY_BYTES).catch(() => {});
        await sealCurrent().catch(() => {});
      }
      return { err };
    }
  }

  function acknowledge(seg: OpenSegment, group: Group): void {
    seg.rows += group.rows;
    seg.bytes += group.bytes;
    seg.records += group.waiters.length;
    appendedRecords += group.waiters.length;
    groupCommits++;
    for (const w of group.waiters) w.resolve();
  }

  function refuse(group: Group, err: unknown): void {
    options.onGroupFailed(group.bytes);
    const failure = new QueueWriteError(`cannot write to the durable queue in ${dir}: ${(err as Error).message}`, { cause: err });
    for (const w of group.waiters) w.reject(failure);
  }

  async function commitGroups(): Promise<void> {
    while (pending.waiters.length > 0) {
      const group = pending;
      pending = emptyGroup();
      inFlight = group;
      const written = await writeToOpenSegment(group);
      // From answering the group's waiters to answering its sealers nothing may wait but the seal
      // itself: a sealOpen() made by a waiter in between would join this group and be answered
      // without the seal it asked for.
      if ('err' in written) refuse(group, written.err);
      else {
        const seg = written.seg;
        acknowledge(seg, group);
        if (seg.rows >= limits.segmentMaxRows || seg.bytes >= limits.segmentMaxBytes || sealWhenIdle || group.sealers.length > 0) {
          sealWhenIdle = false;
          await sealCurrent();
        }
      }
      for (const s of group.sealers) s();
      inFlight = undefined;
    }
  }

  /** Starts the commit loop unless it runs: appends made in the meantime join its next group. */
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
    append(record) {
      const entry = encodeIndexEntry(record);
      return new Promise<void>((resolve, reject) => {
        pending.chunks.push(record.bytes);
        pending.entries.push(entry);
        pending.rows += record.rows;
        pending.bytes += record.bytes.length;
        pending.waiters.push({ resolve, reject });
        kick();
      });
    },
    async sealOpen() {
      // Sealed right after the group holding everything appended so far is committed (the commit
      // loop seals between groups, never under a write): waiting for the queue to stop committing
      // would wait forever under steady appends.
      const group = pending.waiters.length > 0 ? pending : inFlight;
      if (group) return new Promise<void>((resolve) => group.sealers.push(resolve));
      await sealCurrent();
    },
    async drain() {
      while (committing) await committing;
      await sealCurrent();
    },
    sealIfAged() {
      if (current?.aged) sealSoon();
    },
    idle: () => !current && !committing,
    openRows: () => current?.rows,
    appendedRecords: () => appendedRecords,
    groupCommits: () => groupCommits,
  };
}

async function openSegmentFiles(dir: string, name: SegmentName): Promise<{ data: FileHandle; index: FileHandle }> {
  const data = await open(dataPathOf(dir, name), 'w');
  const index = await open(indexPathOf(dir, name), 'w');
  // The new names must survive a crash too, or recovery would never see the records written to them.
  fsyncDir(dir);
  return { data, index };
}

async function writeGroup(seg: OpenSegment, group: Group): Promise<void> {
  // A full disk (or a file-size limit) can cut a write short without an error: only a whole
  // record may be acknowledged.
  assertWhole(await seg.data.writev(group.chunks), group.bytes);
  assertWhole(await seg.index.writev(group.entries), group.entries.length * INDEX_ENTRY_BYTES);
  await Promise.all([seg.data.datasync(), seg.index.datasync()]);
}

function assertWhole(result: { bytesWritten: number }, expected: number): void {
  if (result.bytesWritten !== expected) throw new Error(`short write: ${result.bytesWritten} of ${expected} bytes (disk full?)`);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
