// Damage to a queue segment on disk, as a failing disk does it. The record is found through the
// queue's own format module, so tests say which record rots, not at which byte offset it sits.
import { readFileSync, writeFileSync } from 'node:fs';
import { dataPathOf, readSegmentRecords, type SegmentName } from '../../collector/queue/segment-format.js';

/** Flips every bit of the byte `at` bytes into record number `record`; returns the data file as it now is. */
export function rotByte(dir: string, segment: SegmentName, record: number, at: number): Buffer {
  const target = readSegmentRecords(dir, segment)[record];
  if (!target || at >= target.len) throw new Error(`segment ${segment.seq} has no byte ${at} in record ${record}`);
  const path = dataPathOf(dir, segment);
  const data = readFileSync(path);
  data[target.offset + at] ^= 0xff;
  writeFileSync(path, data);
  return data;
}
