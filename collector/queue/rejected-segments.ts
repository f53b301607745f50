// Segments set aside in the queue's rejected/ folder: batches the store refused for their content,
// and segments recovery kept as evidence of records damaged on disk. Their acknowledged spans are
// not stored, so they stay on disk, on the queue's budget, until the operator retries one (it goes
// back into the queue) or discards it. The live queue and `verdict queue rejected` (with the data
// directory claimed) both work through this module.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  dataPathOf,
  decodeRecords,
  indexPathOf,
  parseSegmentBaseName,
  parseSegmentFileName,
  rejectedDirOf,
  segmentBaseName,
  type SegmentName,
} from './segment-format.js';

export interface RejectedSegment {
  /** The segment's base name, `seg-000000000012-<run id>`: what retry and discard take. */
  id: string;
  /** Spans in its records (those whose bytes still match their checksum). */
  rows: number;
  records: number;
  /** Records whose bytes no longer match their checksum: damage on disk. Such a segment cannot be retried. */
  damagedRecords: number;
  /** Its files' size on disk. */
  bytes: number;
  /** When it was set aside (ISO 8601; the data file's modification time). */
  setAsideAt: string;
}

/** What cannot be done to a set-aside segment, and why. */
export class RejectedSegmentError extends Error {
  readonly code = 'REJECTED_SEGMENT';
  constructor(
    message: string,
    /** 'unknown': no such segment; 'damaged': its records fail their checksum. */
    readonly reason: 'unknown' | 'damaged',
  ) {
    super(message);
    this.name = 'RejectedSegmentError';
  }
}

/**
 * Where a set-aside segment's index is. A retry moves the index first and the data file last (the
 * queue only sees a segment by its data file), so one cut short leaves the index in the queue.
 */
function indexOf(queueDir: string, name: SegmentName): string | undefined {
  return [indexPathOf(rejectedDirOf(queueDir), name), indexPathOf(queueDir, name)].find((p) => existsSync(p));
}

function describeSegment(queueDir: string, name: SegmentName): RejectedSegment {
  const dataPath = dataPathOf(rejectedDirOf(queueDir), name);
  const index = indexOf(queueDir, name);
  const records = index ? decodeRecords(readFileSync(dataPath), readFileSync(index)) : [];
  const whole = records.filter((r) => r.ok);
  const data = statSync(dataPath);
  return {
    id: segmentBaseName(name),
    rows: whole.reduce((n, r) => n + r.rows, 0),
    records: records.length,
    damagedRecords: records.length - whole.length,
    bytes: data.size + (index ? statSync(index).size : 0),
    setAsideAt: data.mtime.toISOString(),
  };
}

function setAsideNames(queueDir: string): SegmentName[] {
  const dir = rejectedDirOf(queueDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((file) => parseSegmentFileName(file) ?? []);
}

/** How many segments are set aside and their files' bytes, from file sizes alone (cheap at start). */
export function rejectedUsage(queueDir: string): { segments: number; bytes: number } {
  const dir = rejectedDirOf(queueDir);
  if (!existsSync(dir)) return { segments: 0, bytes: 0 };
  const files = readdirSync(dir);
  return {
    segments: files.filter((f) => parseSegmentFileName(f)).length,
    bytes: files.reduce((n, f) => n + statSync(join(dir, f)).size, 0),
  };
}

/** The set-aside segments, oldest first. */
export function listRejected(queueDir: string): RejectedSegment[] {
  return setAsideNames(queueDir).map((name) => describeSegment(queueDir, name));
}

function named(queueDir: string, id: string): SegmentName {
  const name = parseSegmentBaseName(id);
  if (!name || !existsSync(dataPathOf(rejectedDirOf(queueDir), name))) {
    throw new RejectedSegmentError(`no set-aside segment ${JSON.stringify(id)} in ${rejectedDirOf(queueDir)} (see \`verdict queue rejected list\`)`, 'unknown');
  }
  return name;
}

/** One set-aside segment, by id; RejectedSegmentError when there is none. */
export function rejectedSegment(queueDir: string, id: string): RejectedSegment {
  return describeSegment(queueDir, named(queueDir, id));
}

/**
 * Puts a set-aside segment back into the queue folder, as it was when sealed; the caller queues it
 * (the live queue at once, or recovery at the next start). Its deduplication token is its name's,
 * so records the store did take before are not stored twice.
 */
export function restoreRejected(queueDir: string, id: string): { name: SegmentName; rows: number; bytes: number } {
  const name = named(queueDir, id);
  const segment = describeSegment(queueDir, name);
  if (segment.records === 0) throw new RejectedSegmentError(`${id} has no index (its records cannot be told apart): discard it`, 'damaged');
  if (segment.damagedRecords > 0) {
    throw new RejectedSegmentError(
      `${id} is kept as evidence of disk damage (${segment.damagedRecords} record(s) fail their checksum); its whole records were stored when it was found: discard it`,
      'damaged',
    );
  }
  const index = indexOf(queueDir, name);
  if (index && index !== indexPathOf(queueDir, name)) renameSync(index, indexPathOf(queueDir, name));
  renameSync(dataPathOf(rejectedDirOf(queueDir), name), dataPathOf(queueDir, name));
  return { name, rows: segment.rows, bytes: statSync(dataPathOf(queueDir, name)).size };
}

/** Deletes a set-aside segment for good; returns the bytes freed. */
export function discardRejected(queueDir: string, id: string): number {
  const name = named(queueDir, id);
  const { bytes } = describeSegment(queueDir, name);
  // Index first: a data file left alone is still listed, and can be discarded again.
  const index = indexOf(queueDir, name);
  if (index) rmSync(index, { force: true });
  rmSync(dataPathOf(rejectedDirOf(queueDir), name), { force: true });
  return bytes;
}

