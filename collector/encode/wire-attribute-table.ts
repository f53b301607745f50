// Reads OTLP KeyValue attributes from protobuf bytes into a flat table of offsets (no JS strings, no
// objects), validating every nested AnyValue exactly as protobuf-decoder.ts does, depth limit included.
// wire-attribute-map.ts writes the table's entries as RowBinary maps.
import type { DecodeOptions } from '../otlp/protobuf-decoder.js';
import {
  expectWireType,
  readFieldEnd,
  readTag,
  readVarint32,
  skipFixed,
  skipTag,
  skipVarint,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
  type ProtobufReader,
} from '../otlp/protobuf-reader.js';

/** The reader plus what nested-value validation needs; one per request. */
export interface WireReader extends ProtobufReader {
  /** protobuf-decoder.ts's maxValueDepth (same default), so nesting is validated to the same depth. */
  maxDepth: number;
  options: DecodeOptions;
}


// What an entry's value is (the last AnyValue field present wins, as protobuf's oneof does).
export const KIND_EMPTY = 0;
export const KIND_STRING = 1;
export const KIND_BOOL = 2;
export const KIND_INT = 3;
export const KIND_DOUBLE = 4;
/** A kvlist, bytes, or an array at the depth limit: rendered by the model decoder. */
export const KIND_COMPLEX = 5;
/** An array within the depth limit: (A, B) is its content's byte range. */
export const KIND_ARRAY = 6;

// One entry per KeyValue, STRIDE ints: the KeyValue message's range, the key's range, the value's
// kind and (A, B): a string's byte range, a bool (A), a varint's range or a double's offset (A).
export const STRIDE = 9;
export const KV_START = 0;
export const KV_END = 1;
export const KEY_START = 2;
export const KEY_END = 3;
export const KIND = 4;
export const A = 5;
export const B = 6;
/** Free for the map writer (key hash, key-is-clean flag). */
export const SCRATCH = 7;
export const SCRATCH2 = 8;

export interface AttributeTable {
  data: Int32Array;
  /** Entries in use. */
  count: number;
}

export function createAttributeTable(): AttributeTable {
  return { data: new Int32Array(256 * STRIDE), count: 0 };
}

// The AnyValue just parsed.
let valueKind = KIND_EMPTY;
let valueA = 0;
let valueB = 0;

/** Parses one KeyValue message ending at `end` (depth 0) and appends it to the table. */
export function parseKeyValue(r: WireReader, end: number, t: AttributeTable): void {
  const kvStart = r.pos;
  let keyStart = 0;
  let keyEnd = 0;
  let kind = KIND_EMPTY;
  let a = 0;
  let b = 0;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWireType(wt, WIRE_LEN, field, 'KeyValue');
      keyEnd = readFieldEnd(r, end);
      keyStart = r.pos;
      r.pos = keyEnd;
    } else if (field === 2) {
      expectWireType(wt, WIRE_LEN, field, 'KeyValue');
      parseAnyValue(r, readFieldEnd(r, end));
      kind = valueKind;
      a = valueA;
      b = valueB;
    } else skipTag(r, wt, end, field);
  }
  if ((t.count + 1) * STRIDE > t.data.length) {
    const next = new Int32Array(t.data.length * 2);
    next.set(t.data);
    t.data = next;
  }
  const d = t.data;
  const o = t.count * STRIDE;
  d[o + KV_START] = kvStart;
  d[o + KV_END] = end;
  d[o + KEY_START] = keyStart;
  d[o + KEY_END] = keyEnd;
  d[o + KIND] = kind;
  d[o + A] = a;
  d[o + B] = b;
  t.count++;
}

function parseAnyValue(r: WireReader, end: number): void {
  valueKind = KIND_EMPTY;
  valueA = 0;
  valueB = 0;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_LEN, field, 'AnyValue');
        valueB = readFieldEnd(r, end);
        valueA = r.pos;
        r.pos = valueB;
        valueKind = KIND_STRING;
        break;
      case 2:
        expectWireType(wt, WIRE_VARINT, field, 'AnyValue');
        // readVarint32 keeps the low 32 bits, so 2^32 is false, as in the model.
        valueA = readVarint32(r, end) !== 0 ? 1 : 0;
        valueKind = KIND_BOOL;
        break;
      case 3:
        expectWireType(wt, WIRE_VARINT, field, 'AnyValue');
        valueA = r.pos;
        skipVarint(r, end);
        valueB = r.pos;
        valueKind = KIND_INT;
        break;
      case 4:
        expectWireType(wt, WIRE_FIXED64, field, 'AnyValue');
        valueA = skipFixed(r, end, 8, 'double');
        valueKind = KIND_DOUBLE;
        break;
      case 5:
      case 6:
      case 7: {
        const contentStart = skipAnyValueField(r, end, field, wt, 0);
        // Written as the model's test (depth >= maxDepth means cut), so odd limits behave alike too.
        if (field === 5 && !(0 >= r.maxDepth)) {
          valueKind = KIND_ARRAY;
          valueA = contentStart;
          valueB = r.pos;
        } else valueKind = KIND_COMPLEX;
        break;
      }
      default:
        skipTag(r, wt, end, field);
    }
  }
}

/** Validates (without keeping) a KeyValue at `depth`, as decodeKeyValue would decode it. */
export function skipKeyValue(r: WireReader, end: number, depth: number): void {
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWireType(wt, WIRE_LEN, field, 'KeyValue');
      r.pos = readFieldEnd(r, end);
    } else if (field === 2) {
      expectWireType(wt, WIRE_LEN, field, 'KeyValue');
      skipAnyValue(r, readFieldEnd(r, end), depth);
    } else skipTag(r, wt, end, field);
  }
}

function skipAnyValue(r: WireReader, end: number, depth: number): void {
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_LEN, field, 'AnyValue');
        r.pos = readFieldEnd(r, end);
        break;
      case 2:
        expectWireType(wt, WIRE_VARINT, field, 'AnyValue');
        readVarint32(r, end);
        break;
      case 3:
        expectWireType(wt, WIRE_VARINT, field, 'AnyValue');
        skipVarint(r, end);
        break;
      case 4:
        expectWireType(wt, WIRE_FIXED64, field, 'AnyValue');
        skipFixed(r, end, 8, 'double');
        break;
      case 5:
      case 6:
      case 7:
        skipAnyValueField(r, end, field, wt, depth);
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
}

/**
 * AnyValue fields 5 (array), 6 (kvlist), 7 (bytes); nesting past maxDepth is skipped unchecked, as
 * the model does. Returns where the field's content starts (it ends at r.pos).
 */
function skipAnyValueField(r: WireReader, end: number, field: number, wt: number, depth: number): number {
  expectWireType(wt, WIRE_LEN, field, 'AnyValue');
  const contentEnd = readFieldEnd(r, end);
  const contentStart = r.pos;
  if (field !== 7 && !(depth >= r.maxDepth)) {
    const inner = depth + 1;
    while (r.pos < contentEnd) {
      const tag = readTag(r, contentEnd);
      const f = tag >>> 3;
      const w = tag & 7;
      if (f === 1) {
        expectWireType(w, WIRE_LEN, f, field === 5 ? 'ArrayValue' : 'KeyValueList');
        const elementEnd = readFieldEnd(r, contentEnd);
        if (field === 5) skipAnyValue(r, elementEnd, inner);
        else skipKeyValue(r, elementEnd, inner);
      } else skipTag(r, w, contentEnd, f);
    }
  }
  r.pos = contentEnd;
  return contentStart;
}
