// The fused path's table of parsed attributes: OTLP KeyValues read from protobuf bytes into flat
// offsets (no JS strings, no objects), every nested AnyValue validated as protobuf-decoder.ts
// validates it, depth limit included. wire-attribute-writer.ts writes the entries as RowBinary maps.
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

/** Entries of STRIDE ints (offsets below), reused across requests. */
export interface AttributeTable {
  data: Int32Array;
  /** Entries in use. */
  count: number;
}

// What an entry's value is (the last AnyValue field present wins, as protobuf's oneof does).
export const KIND_EMPTY = 0;
export const KIND_STRING = 1;
export const KIND_BOOL = 2;
export const KIND_INT = 3;
export const KIND_DOUBLE = 4;
/** A kvlist, bytes, or an array at the depth limit: rendered from the model decoder's AnyValue. */
export const KIND_COMPLEX = 5;
/** An array within the depth limit: its content is buf[VALUE_START, VALUE_END). */
export const KIND_ARRAY = 6;

// One entry per KeyValue, STRIDE ints at these offsets.
export const STRIDE = 9;
/** The KeyValue message: buf[KV_START, KV_END), for rendering a complex value from the model. */
export const KV_START = 0;
export const KV_END = 1;
export const KEY_START = 2;
export const KEY_END = 3;
/** One of the KIND_ constants. */
export const KIND = 4;
/**
 * The value's bytes buf[VALUE_START, VALUE_END): a string's UTF-8, an int's varint, a double's
 * eight bytes (VALUE_END unused), an array's content. A bool has no range: VALUE_START is 1 or 0.
 */
export const VALUE_START = 5;
export const VALUE_END = 6;
/** Filled by the map writer: the key's length, first and last byte, for a cheap duplicate check. */
export const KEY_FINGERPRINT = 7;
/** Filled by the map writer: 1 when the key is clean UTF-8 (copied as is), else 0. */
export const KEY_IS_CLEAN = 8;

export function createAttributeTable(): AttributeTable {
  return { data: new Int32Array(256 * STRIDE), count: 0 };
}

// The AnyValue just parsed: its KIND_ and VALUE_START/VALUE_END.
let parsedKind = KIND_EMPTY;
let parsedStart = 0;
let parsedEnd = 0;

/** Parses one KeyValue message ending at `end` (depth 0) and appends it to the table. */
export function parseKeyValue(r: WireReader, end: number, t: AttributeTable): void {
  const kvStart = r.pos;
  let keyStart = 0;
  let keyEnd = 0;
  let kind = KIND_EMPTY;
  let valueStart = 0;
  let valueEnd = 0;
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
      kind = parsedKind;
      valueStart = parsedStart;
      valueEnd = parsedEnd;
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
  d[o + VALUE_START] = valueStart;
  d[o + VALUE_END] = valueEnd;
  t.count++;
}

function parseAnyValue(r: WireReader, end: number): void {
  parsedKind = KIND_EMPTY;
  parsedStart = 0;
  parsedEnd = 0;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_LEN, field, 'AnyValue');
        parsedEnd = readFieldEnd(r, end);
        parsedStart = r.pos;
        r.pos = parsedEnd;
        parsedKind = KIND_STRING;
        break;
      case 2:
        expectWireType(wt, WIRE_VARINT, field, 'AnyValue');
        // readVarint32 keeps the low 32 bits, so 2^32 is false, as in the model.
        parsedStart = readVarint32(r, end) !== 0 ? 1 : 0;
        parsedKind = KIND_BOOL;
        break;
      case 3:
        expectWireType(wt, WIRE_VARINT, field, 'AnyValue');
        parsedStart = r.pos;
        skipVarint(r, end);
        parsedEnd = r.pos;
        parsedKind = KIND_INT;
        break;
      case 4:
        expectWireType(wt, WIRE_FIXED64, field, 'AnyValue');
        parsedStart = skipFixed(r, end, 8, 'double');
        parsedKind = KIND_DOUBLE;
        break;
      case 5:
      case 6:
      case 7: {
        const contentStart = skipAnyValueField(r, end, field, wt, 0);
        // Written as the model's test (depth >= maxDepth means cut), so odd limits behave alike too.
        if (field === 5 && !(0 >= r.maxDepth)) {
          parsedKind = KIND_ARRAY;
          parsedStart = contentStart;
          parsedEnd = r.pos;
        } else parsedKind = KIND_COMPLEX;
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
