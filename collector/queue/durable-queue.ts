// The durable queue between receivers and ClickHouse: every accepted request's rows are appended
// to a segment file and fsync'd (one fsync per group of concurrent requests) before the request is
// acknowledged. Segments hold plain RowBinary so a sealed one is inserted straight from disk; a
// sidecar index (length, rows, CRC-32 per record) finds and drops a torn last write after a crash,
// and skips a record whose bytes changed on disk without losing the records around it.
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { EncodedRows } from '../encode/model-rows.js';
import { OverloadedError, QueueWriteError, RecordTooLargeError } from './errors.js';

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

export interface SealedSegment {
  seq: number;
  runId: string;
  /** Deterministic per segment, so replaying an insert after a crash is deduplicated by the engine. */
  token: string;
  /** The file to insert: the segment itself, or its whole records only when some were corrupt. */
  dataPath: string;
  rows: number;
  bytes: number;
  /** Records skipped at recovery because their CRC no longer matched; the originals go to `rejected/`. */
  corruptRecords?: number;
}

export interface QueueStats {
  segments: number;
  rows: number;
  bytes: number;
  appendedRecords: number;
  groupCommits: number;
  recoveredSegments: number;
  recoveredRows: number;
  tornRecords: number;
  /** Acknowledged records whose bytes no longer match their CRC (disk corruption), skipped at start. */
  corruptRecords: number;
  /** Damaged segments left out of this run because their whole records could not be copied out (disk full). */
  deferredSegments: number;
}

export interface DurableQueue {
  /** Resolves once the rows are on disk (fsync'd). */
  append(rows: EncodedRows): Promise<void>;
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

const INDEX_ENTRY = 12; // u32 length, u32 rows, u32 crc32 — little-endian
const SEGMENT_RE = /^seg-(\d{12})-([0-9a-f-]{36})\.rb$/;
/** A segment's whole records, copied out when some of its records are corrupt: rebuilt at every start. */
const WHOLE_RE = /^(seg-\d{12}-[0-9a-f-]{36})\.whole\.rb$/;
/** Segments the store refused for their content: out of the queue, not replayed, not deleted. */
const REJECTED_DIR = 'rejected';

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
interface SegmentName {
  seq: number;
  runId: string;
}
const baseName = (n: SegmentName) => `seg-${String(n.seq).padStart(12, '0')}-${n.runId}`;
const dataPathOf = (dir: string, n: SegmentName) => join(dir, `${baseName(n)}.rb`);
const indexPathOf = (dir: string, n: SegmentName) => join(dir, `${baseName(n)}.idx`);
const tokenOf = (n: SegmentName) => `verdict-${n.runId}-${n.seq}`;
const wholePathOf = (dir: string, n: SegmentName) => join(dir, `${baseName(n)}.whole.rb`);

/**
 * Moves a segment's own files into `rejected/`, index first (a data file left without its index is
 * read as empty and deleted at the next start). Never fails: a file that cannot be moved is deleted,
 * so a full or read-only disk cannot stop the inserter over evidence.
 */
async function moveAside(dir: string, n: SegmentName): Promise<void> {
  const aside = join(dir, REJECTED_DIR);
  const made = await mkdir(aside, { recursive: true }).then(() => true, () => false);
  for (const path of [indexPathOf(dir, n), dataPathOf(dir, n)]) {
    const moved = made && (await rename(path, join(aside, basename(path))).then(() => true, () => false));
    if (!moved) await rm(path, { force: true }).catch(() => {});
  }
}

function moveAsideSync(dir: string, n: SegmentName): void {
  const aside = join(dir, REJECTED_DIR);
  mkdirSync(aside, { recursive: true });
  for (const path of [indexPathOf(dir, n), dataPathOf(dir, n)]) if (existsSync(path)) renameSync(path, join(aside, basename(path)));
}

/** Written beside and renamed into place; left as is when it already holds exactly these bytes. */
function writeWholeCopy(path: string, bytes: Buffer): void {
  if (existsSync(path) && readFileSync(path).equals(bytes)) return;
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
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

interface RecoveredSegment {
  rows: number;
  bytes: number;
  torn: number;
  corrupt: number;
  /** Where the rows to insert are: the segment, or its `.whole.rb` copy when records were corrupt. */
  dataPath: string;
  /** The copy could not be written: leave the segment for the next start. */
  deferred?: boolean;
}

/**
 * Checks a segment left by an earlier run. Only the last segment of a run can have a torn tail
 * (records after the last one that checks out: a write the crash cut, never acknowledged), and
 * only there is a tail truncated. Any other record that fails its CRC was acknowledged and then
 * damaged on disk: it is skipped, the whole records are copied to `<segment>.whole.rb` for
 * insertion, and the segment stays untouched as evidence.
 */
function recoverSegment(dir: string, name: SegmentName, mayBeTorn: boolean): RecoveredSegment {
  const dataPath = dataPathOf(dir, name);
  const indexPath = indexPathOf(dir, name);
  const data = readFileSync(dataPath);
  // Removal deletes the index first: a data file without one is a removal the crash cut short.
  if (!existsSync(indexPath)) return { rows: 0, bytes: 0, torn: data.length > 0 ? 1 : 0, corrupt: 0, dataPath };
  const index = readFileSync(indexPath);
  const entries = Math.floor(index.length / INDEX_ENTRY);
  const records: { offset: number; len: number; rows: number; ok: boolean }[] = [];
  let offset = 0;
  for (let i = 0; i < entries; i++) {
    const len = index.readUInt32LE(i * INDEX_ENTRY);
    if (offset + len > data.length) break;
    const ok = crc32(data.subarray(offset, offset + len)) === index.readUInt32LE(i * INDEX_ENTRY + 8);
    records.push({ offset, len, rows: index.readUInt32LE(i * INDEX_ENTRY + 4), ok });
    offset += len;
  }
  // A sealed segment was complete when sealed: a bad tail there is damage (an index length that rotted
  // makes every later record fail), kept as evidence rather than cut.
  const kept = mayBeTorn ? records.slice(0, records.findLastIndex((r) => r.ok) + 1) : records;
  const end = kept.length > 0 ? kept[kept.length - 1].offset + kept[kept.length - 1].len : 0;
  // Whatever follows the last whole record was never acknowledged (ack comes after fsync of both files).
  const trailingBytes = end < data.length || kept.length * INDEX_ENTRY < index.length;
  const unread = entries - kept.length > 0 ? entries - kept.length : trailingBytes ? 1 : 0;
  const torn = mayBeTorn ? unread : 0;
  if (trailingBytes && mayBeTorn) {
    // Cut in place: rewriting the files would leave acknowledged records off the disk if the
    // rewrite itself were cut short (a crash, a full disk).
    truncateSync(dataPath, end);
    if (existsSync(indexPath)) truncateSync(indexPath, kept.length * INDEX_ENTRY);
  }
  const whole = kept.filter((r) => r.ok);
  const rows = whole.reduce((n, r) => n + r.rows, 0);
  const bytes = whole.reduce((n, r) => n + r.len, 0);
  const corrupt = kept.length - whole.length + (mayBeTorn ? 0 : unread);
  if (corrupt === 0 || rows === 0) return { rows, bytes, torn, corrupt, dataPath };
  // The copy is derived from files that stay as they are, so a start cut short while writing it just
  // writes it again; its segment's token is unchanged, so an insert replayed from it is deduplicated.
  const wholePath = wholePathOf(dir, name);
  try {
    writeWholeCopy(wholePath, Buffer.concat(whole.map((r) => data.subarray(r.offset, r.offset + r.len))));
  } catch {
    rmSync(`${wholePath}.tmp`, { force: true });
    return { rows, bytes, torn, corrupt, dataPath, deferred: true };
  }
  return { rows, bytes, torn, corrupt, dataPath: wholePath };
}

export function openDurableQueue(options: DurableQueueOptions): DurableQueue {
  const dir = options.dir;
  mkdirSync(dir, { recursive: true });
  // Every run names its segments with its own id, and a segment's deduplication token comes from its
  // name: a replay after a crash reuses the token, while a new segment can never reuse one the engine
  // still remembers from an earlier run (even if the folder was emptied and numbering restarted).
  const runId = randomUUID();

  const stats: QueueStats = {
    segments: 0,
    rows: 0,
    bytes: 0,
    appendedRecords: 0,
    groupCommits: 0,
    recoveredSegments: 0,
    recoveredRows: 0,
    tornRecords: 0,
    corruptRecords: 0,
    deferredSegments: 0,
  };
  const sealed: SealedSegment[] = [];
  let nextSeq = 1;
  const files = readdirSync(dir).sort();
  const lastOfRun = new Map<string, number>();
  for (const file of files) {
    // A copy whose segment is gone was inserted and removed; a crash kept it from going too.
    const w = WHOLE_RE.exec(file);
    if ((w && !files.includes(`${w[1]}.rb`)) || file.endsWith('.whole.rb.tmp')) rmSync(join(dir, file), { force: true });
    const m = SEGMENT_RE.exec(file);
    if (m) lastOfRun.set(m[2], Math.max(lastOfRun.get(m[2]) ?? 0, Number(m[1])));
  }
  for (const file of files) {
    const m = SEGMENT_RE.exec(file);
    if (!m) continue;
    const name: SegmentName = { seq: Number(m[1]), runId: m[2] };
    nextSeq = Math.max(nextSeq, name.seq + 1);
    const { rows, bytes, torn, corrupt, dataPath, deferred } = recoverSegment(dir, name, lastOfRun.get(name.runId) === name.seq);
    stats.tornRecords += torn;
    stats.corruptRecords += corrupt;
    if (deferred) {
      // Its whole-record copy could not be written (a full disk): the segment stays on disk as it
      // is, out of this run's queue, and is tried again at the next start.
      stats.deferredSegments++;
      continue;
    }
    if (rows === 0 && corrupt > 0) {
      // Nothing whole is left to insert: the damaged segment is kept for the operator.
      moveAsideSync(dir, name);
      continue;
    }
    if (rows === 0) {
      for (const path of [dataPathOf(dir, name), indexPathOf(dir, name), wholePathOf(dir, name)]) rmSync(path, { force: true });
      continue;
    }
    sealed.push({ ...name, token: tokenOf(name), dataPath, rows, bytes, ...(corrupt ? { corruptRecords: corrupt } : {}) });
    stats.recoveredSegments++;
    stats.recoveredRows += rows;
  }
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
      sealed.push({ seq: seg.seq, runId: seg.runId, token: tokenOf(seg), dataPath: dataPathOf(dir, seg), rows: seg.rows, bytes: seg.bytes });
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
        assertWhole(await seg.index.writev(group.entries), group.entries.length * INDEX_ENTRY);
        await Promise.all([seg.data.datasync(), seg.index.datasync()]);
      } catch (err) {
        // Nothing of this group is acknowledged; the segment is sealed at its last good record
        // (recovery at the next start trims any partial write).
        if (seg) {
          await seg.data.truncate(seg.bytes).catch(() => {});
          await seg.index.truncate(seg.records * INDEX_ENTRY).catch(() => {});
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
      const entry = Buffer.allocUnsafe(INDEX_ENTRY);
      entry.writeUInt32LE(size, 0);
      entry.writeUInt32LE(encoded.rows, 4);
      entry.writeUInt32LE(crc32(encoded.bytes), 8);
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
