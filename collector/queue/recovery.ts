// What a queue folder left by an earlier run becomes at open: every acknowledged record is queued
// again under its segment's old token (so a replayed insert is deduplicated), a torn tail is cut,
// and damage is skipped but kept on disk as evidence. Runs once, before any append.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  dataFileName,
  dataPathOf,
  decodeRecords,
  INDEX_ENTRY_BYTES,
  indexEntryCount,
  indexPathOf,
  isWholeTempFile,
  parseSegmentFileName,
  parseWholeFileName,
  rejectedDirOf,
  sealedSegmentOf,
  wholePathOf,
  wholeTempPathOf,
  type SealedSegment,
  type SegmentName,
} from './segment-format.js';

export interface RecoveryStats {
  recoveredSegments: number;
  recoveredRows: number;
  tornRecords: number;
  /** Acknowledged records whose bytes no longer match their CRC (disk corruption), skipped at start. */
  corruptRecords: number;
  /** Damaged segments left out of this run because their whole records could not be copied out (disk full). */
  deferredSegments: number;
}

export interface RecoveredQueue {
  /** Oldest first, ready to insert. */
  sealed: SealedSegment[];
  /** Past every segment on disk, so this run's numbering follows the earlier runs'. */
  nextSeq: number;
  stats: RecoveryStats;
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

export function recoverQueueDir(dir: string): RecoveredQueue {
  const stats: RecoveryStats = { recoveredSegments: 0, recoveredRows: 0, tornRecords: 0, corruptRecords: 0, deferredSegments: 0 };
  const sealed: SealedSegment[] = [];
  const files = readdirSync(dir).sort();
  removeLeftoverCopies(dir, files);
  const names = files.flatMap((file) => parseSegmentFileName(file) ?? []);
  const lastOfRun = new Map<string, number>();
  for (const name of names) lastOfRun.set(name.runId, Math.max(lastOfRun.get(name.runId) ?? 0, name.seq));
  for (const name of names) {
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
    sealed.push(sealedSegmentOf(name, dataPath, rows, bytes, corrupt));
    stats.recoveredSegments++;
    stats.recoveredRows += rows;
  }
  const nextSeq = names.reduce((n, name) => Math.max(n, name.seq + 1), 1);
  return { sealed, nextSeq, stats };
}

/** A copy whose segment is gone was inserted and removed (a crash kept it from going too); a temporary one was cut short. */
function removeLeftoverCopies(dir: string, files: string[]): void {
  for (const file of files) {
    const copyOf = parseWholeFileName(file);
    if ((copyOf && !files.includes(dataFileName(copyOf))) || isWholeTempFile(file)) rmSync(join(dir, file), { force: true });
  }
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
  const entries = indexEntryCount(index);
  const records = decodeRecords(data, index);
  // A sealed segment was complete when sealed: a bad tail there is damage (an index length that rotted
  // makes every later record fail), kept as evidence rather than cut.
  const kept = mayBeTorn ? records.slice(0, records.findLastIndex((r) => r.ok) + 1) : records;
  const end = kept.length > 0 ? kept[kept.length - 1].offset + kept[kept.length - 1].len : 0;
  // Whatever follows the last whole record was never acknowledged (ack comes after fsync of both files).
  const trailingBytes = end < data.length || kept.length * INDEX_ENTRY_BYTES < index.length;
  const unread = entries - kept.length > 0 ? entries - kept.length : trailingBytes ? 1 : 0;
  const torn = mayBeTorn ? unread : 0;
  if (trailingBytes && mayBeTorn) {
    // Cut in place: rewriting the files would leave acknowledged records off the disk if the
    // rewrite itself were cut short (a crash, a full disk).
    truncateSync(dataPath, end);
    if (existsSync(indexPath)) truncateSync(indexPath, kept.length * INDEX_ENTRY_BYTES);
  }
  const whole = kept.filter((r) => r.ok);
  const rows = whole.reduce((n, r) => n + r.rows, 0);
  const bytes = whole.reduce((n, r) => n + r.len, 0);
  const corrupt = kept.length - whole.length + (mayBeTorn ? 0 : unread);
  if (corrupt === 0 || rows === 0) return { rows, bytes, torn, corrupt, dataPath };
  // The copy is derived from files that stay as they are, so a start cut short while writing it just
  // writes it again; its segment's token is unchanged, so an insert replayed from it is deduplicated.
  try {
    writeWholeCopy(dir, name, Buffer.concat(whole.map((r) => data.subarray(r.offset, r.offset + r.len))));
  } catch {
    rmSync(wholeTempPathOf(dir, name), { force: true });
    return { rows, bytes, torn, corrupt, dataPath, deferred: true };
  }
  return { rows, bytes, torn, corrupt, dataPath: wholePathOf(dir, name) };
}

/** Written beside and renamed into place; left as is when it already holds exactly these bytes. */
function writeWholeCopy(dir: string, name: SegmentName, bytes: Buffer): void {
  const path = wholePathOf(dir, name);
  if (existsSync(path) && readFileSync(path).equals(bytes)) return;
  const tmp = wholeTempPathOf(dir, name);
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Index first, as at removal: a data file left without its index is read as empty at the next start. */
function moveAsideSync(dir: string, name: SegmentName): void {
  const aside = rejectedDirOf(dir);
  mkdirSync(aside, { recursive: true });
  for (const path of [indexPathOf(dir, name), dataPathOf(dir, name)]) if (existsSync(path)) renameSync(path, join(aside, basename(path)));
}
