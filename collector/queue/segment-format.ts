// The queue's files on disk, in one place so that what recovery reads is what the live queue wrote.
// A segment holds plain RowBinary, so a sealed one is inserted straight from disk; its sidecar index
// (length, rows, CRC-32 per record) lets recovery drop a torn last write and skip a rotted record.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** One accepted request: RowBinary rows, appended to a segment as one record. */
export interface QueueRecord {
  bytes: Buffer;
  rows: number;
}

/** A segment's identity; its file names, and the deduplication token of its insert, derive from it. */
export interface SegmentName {
  seq: number;
  runId: string;
}

/** A record as the index describes it: where it sits in the data file, and whether its bytes still match. */
export interface SegmentRecord {
  offset: number;
  len: number;
  rows: number;
  /** The CRC-32 of its bytes is the one recorded when it was written. */
  ok: boolean;
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

/** The queue's folder inside a data directory. */
export const QUEUE_DIR = 'queue';

/** An index entry: u32 length, u32 rows, u32 CRC-32 of the record's bytes, little-endian. */
export const INDEX_ENTRY_BYTES = 12;
/** Segments the store refused for their content: out of the queue, not replayed, not deleted. */
export const REJECTED_DIR = 'rejected';

const SEGMENT_RE = /^seg-(\d{12})-([0-9a-f-]{36})\.rb$/;
/** A segment's whole records, copied out when some of its records are corrupt: rebuilt at every start. */
const WHOLE_RE = /^seg-(\d{12})-([0-9a-f-]{36})\.whole\.rb$/;
const WHOLE_TEMP_SUFFIX = '.whole.rb.tmp';

/** What every file of the segment starts with. */
export const segmentBaseName = (n: SegmentName) => `seg-${String(n.seq).padStart(12, '0')}-${n.runId}`;
export const dataFileName = (n: SegmentName) => `${segmentBaseName(n)}.rb`;
export const indexFileName = (n: SegmentName) => `${segmentBaseName(n)}.idx`;
export const dataPathOf = (dir: string, n: SegmentName) => join(dir, dataFileName(n));
export const indexPathOf = (dir: string, n: SegmentName) => join(dir, indexFileName(n));
export const wholePathOf = (dir: string, n: SegmentName) => join(dir, `${segmentBaseName(n)}.whole.rb`);
/** A whole-record copy is written here first, then renamed into place. */
export const wholeTempPathOf = (dir: string, n: SegmentName) => join(dir, `${segmentBaseName(n)}${WHOLE_TEMP_SUFFIX}`);
export const isWholeTempFile = (file: string) => file.endsWith(WHOLE_TEMP_SUFFIX);
export const rejectedDirOf = (dir: string) => join(dir, REJECTED_DIR);
export const tokenOf = (n: SegmentName) => `verdict-${n.runId}-${n.seq}`;

function nameFrom(match: RegExpExecArray | null): SegmentName | undefined {
  return match ? { seq: Number(match[1]), runId: match[2] } : undefined;
}

/** The segment named by its base name (`seg-000000000012-<run id>`), as the operator sees it. */
export const parseSegmentBaseName = (base: string) => parseSegmentFileName(`${base}.rb`);
/** The segment a data file belongs to; undefined for any other file (index, copy, temporary…). */
export const parseSegmentFileName = (file: string) => nameFrom(SEGMENT_RE.exec(file));
/** The segment a whole-record copy was made from. */
export const parseWholeFileName = (file: string) => nameFrom(WHOLE_RE.exec(file));

/** The segments in a queue folder, oldest first. */
export function listSegments(dir: string): SegmentName[] {
  return readdirSync(dir).sort().flatMap((file) => parseSegmentFileName(file) ?? []);
}

export function sealedSegmentOf(name: SegmentName, dataPath: string, rows: number, bytes: number, corruptRecords = 0): SealedSegment {
  return { seq: name.seq, runId: name.runId, token: tokenOf(name), dataPath, rows, bytes, ...(corruptRecords ? { corruptRecords } : {}) };
}

export function encodeIndexEntry(record: QueueRecord): Buffer {
  const entry = Buffer.allocUnsafe(INDEX_ENTRY_BYTES);
  entry.writeUInt32LE(record.bytes.length, 0);
  entry.writeUInt32LE(record.rows, 4);
  entry.writeUInt32LE(crc32(record.bytes), 8);
  return entry;
}

/** Whole entries only: a trailing part of one is a write the crash cut. */
export const indexEntryCount = (index: Buffer) => Math.floor(index.length / INDEX_ENTRY_BYTES);

/**
 * The records the index describes, in order, up to the first one that runs past the end of the data
 * file (its bytes were never all written). Whether each still matches its CRC is said, not judged.
 */
export function decodeRecords(data: Buffer, index: Buffer): SegmentRecord[] {
  const records: SegmentRecord[] = [];
  const entries = indexEntryCount(index);
  let offset = 0;
  for (let i = 0; i < entries; i++) {
    const len = index.readUInt32LE(i * INDEX_ENTRY_BYTES);
    if (offset + len > data.length) break;
    const ok = crc32(data.subarray(offset, offset + len)) === index.readUInt32LE(i * INDEX_ENTRY_BYTES + 8);
    records.push({ offset, len, rows: index.readUInt32LE(i * INDEX_ENTRY_BYTES + 4), ok });
    offset += len;
  }
  return records;
}

export function readSegmentRecords(dir: string, name: SegmentName): SegmentRecord[] {
  return decodeRecords(readFileSync(dataPathOf(dir, name)), readFileSync(indexPathOf(dir, name)));
}

/** A segment as the live queue leaves it once its records are committed (not fsync'd: for tests). */
export function writeSegment(dir: string, name: SegmentName, records: QueueRecord[]): void {
  writeFileSync(dataPathOf(dir, name), Buffer.concat(records.map((r) => r.bytes)));
  writeFileSync(indexPathOf(dir, name), Buffer.concat(records.map(encodeIndexEntry)));
}
