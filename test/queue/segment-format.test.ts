// A queue folder is read back by later runs, and by later versions after an upgrade: the names, the
// token and the index layout must not drift. They are pinned here, byte for byte, on purpose; every
// other test builds its segments through the format module and so could not notice a change.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFileName, decodeRecords, encodeIndexEntry, indexFileName, parseSegmentFileName, parseWholeFileName, tokenOf, wholePathOf } from '../../collector/queue/segment-format.js';

const name = { seq: 42, runId: '0f8fad5b-d9cb-469f-a165-70867728950e' };
const base = 'seg-000000000042-0f8fad5b-d9cb-469f-a165-70867728950e';

describe('queue segment format', () => {
  it('names a segment, its index, its whole-record copy and its insert token as before', () => {
    expect([dataFileName(name), indexFileName(name), wholePathOf('q', name)]).toEqual([`${base}.rb`, `${base}.idx`, join('q', `${base}.whole.rb`)]);
    expect(tokenOf(name)).toBe('verdict-0f8fad5b-d9cb-469f-a165-70867728950e-42');
    expect(parseSegmentFileName(`${base}.rb`)).toEqual(name);
    expect(parseWholeFileName(`${base}.whole.rb`)).toEqual(name);
    expect([`${base}.idx`, `${base}.whole.rb`, `${base}.whole.rb.tmp`].map(parseSegmentFileName)).toEqual([undefined, undefined, undefined]);
  });

  it('lays out an index entry as u32 length, u32 rows, u32 CRC-32 of the bytes, little-endian', () => {
    const entry = Buffer.from([3, 0, 0, 0, 2, 0, 0, 0, 0xc2, 0x41, 0x24, 0x35]);
    expect(encodeIndexEntry({ bytes: Buffer.from('abc'), rows: 2 })).toEqual(entry);
    expect(decodeRecords(Buffer.from('abc'), entry)).toEqual([{ offset: 0, len: 3, rows: 2, ok: true }]);
  });
});
