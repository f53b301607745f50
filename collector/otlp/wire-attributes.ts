// OTLP KeyValue attributes read from protobuf bytes into a flat table of offsets, then written as
// RowBinary Map(String, String) with span-rows.ts's semantics (limit, last duplicate wins, value
// truncation, AnyValue rendering). Validates exactly what protobuf-decoder.ts validates.
import { anyValueToString } from '../attribute-value.js';
import { writeString, writeVarUint, type RowBinaryWriter } from '../rowbinary-writer.js';
import type { SpanLimits } from '../span-rows.js';
import { OtlpDecodeError, type KeyValue } from './model.js';
import { decodeTraceRequestProtobuf, type DecodeOptions } from './protobuf-decoder.js';
import {
  expectWireType,
  readLengthEnd,
  readVarint32,
  readVarint64,
  skipField,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
  type ProtobufReader,
} from './protobuf-reader.js';
import { copyCheckedString, copyUtf8String, isCleanUtf8, rangeEquals, writeAsciiString } from './wire-strings.js';

/** The reader plus what nested-value validation needs; one per request. */
export interface WireReader extends ProtobufReader {
  /** protobuf-decoder.ts's maxValueDepth (same default), so nesting is validated to the same depth. */
  maxDepth: number;
  options: DecodeOptions;
}

export const DEFAULT_MAX_VALUE_DEPTH = 32;

export interface WireCounters {
  truncatedValues: number;
  droppedAttributes: number;
  /** Attribute values (arrays, kvlists, bytes) rendered by decoding them with the model decoder. */
  modelRenderedValues: number;
}

// Value kinds in the table. COMPLEX values are re-decoded with the model decoder when written.
const KIND_EMPTY = 0;
const KIND_STRING = 1;
const KIND_BOOL = 2;
const KIND_INT = 3;
const KIND_DOUBLE = 4;
const KIND_COMPLEX = 5;

// One entry per KeyValue: [kvStart, kvEnd, keyStart, keyEnd, kind, a, b, keyIsClean]
// where (a, b) is the string's byte range, the bool (a), the varint's range or the double's offset.
const STRIDE = 8;

export interface AttributeTable {
  data: Int32Array;
  /** Entries in use. */
  count: number;
}

export function createAttributeTable(): AttributeTable {
  return { data: new Int32Array(256 * STRIDE), count: 0 };
}

/** Field 0 is invalid, as in protobuf-decoder.ts; anything else unknown is skipped. */
export function skipTag(r: ProtobufReader, wt: number, end: number, field: number): void {
  if (field === 0) throw new OtlpDecodeError(`invalid field number 0 at byte ${r.pos}`);
  skipField(r, wt, end, field);
}

/** Skips a varint with readVarint64's checks, without making a bigint. */
function skipVarint(r: ProtobufReader, end: number): void {
  const buf = r.buf;
  let pos = r.pos;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new OtlpDecodeError(`truncated varint at byte ${pos}`);
    if (buf[pos++] < 0x80) {
      r.pos = pos;
      return;
    }
  }
  throw new OtlpDecodeError(`varint longer than 10 bytes at byte ${r.pos}`);
}

function checkFixed64(r: ProtobufReader, end: number): void {
  if (r.pos + 8 > end) throw new OtlpDecodeError(`truncated fixed64 at byte ${r.pos}`);
}

// The AnyValue just parsed (oneof: the last field present wins).
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
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWireType(wt, WIRE_LEN, field, 'KeyValue');
      const fieldEnd = readLengthEnd(r, end);
      keyStart = r.pos;
      keyEnd = fieldEnd;
      r.pos = fieldEnd;
    } else if (field === 2) {
      expectWireType(wt, WIRE_LEN, field, 'KeyValue');
      parseAnyValue(r, readLengthEnd(r, end));
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
  d[o] = kvStart;
  d[o + 1] = end;
  d[o + 2] = keyStart;
  d[o + 3] = keyEnd;
  d[o + 4] = kind;
  d[o + 5] = a;
  d[o + 6] = b;
  t.count++;
}

function parseAnyValue(r: WireReader, end: number): void {
  valueKind = KIND_EMPTY;
  valueA = 0;
  valueB = 0;
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1: {
        expectWireType(wt, WIRE_LEN, field, 'AnyValue');
        const fieldEnd = readLengthEnd(r, end);
        valueKind = KIND_STRING;
        valueA = r.pos;
        valueB = fieldEnd;
        r.pos = fieldEnd;
        break;
      }
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
        checkFixed64(r, end);
        valueA = r.pos;
        r.pos += 8;
        valueKind = KIND_DOUBLE;
        break;
      case 5:
      case 6:
      case 7:
        skipAnyValueField(r, end, field, wt, 0);
        valueKind = KIND_COMPLEX;
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
}

/** Validates (without keeping) a KeyValue at `depth`, as decodeKeyValue would decode it. */
export function skipKeyValue(r: WireReader, end: number, depth: number): void {
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWireType(wt, WIRE_LEN, field, 'KeyValue');
      r.pos = readLengthEnd(r, end);
    } else if (field === 2) {
      expectWireType(wt, WIRE_LEN, field, 'KeyValue');
      skipAnyValue(r, readLengthEnd(r, end), depth);
    } else skipTag(r, wt, end, field);
  }
}

function skipAnyValue(r: WireReader, end: number, depth: number): void {
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_LEN, field, 'AnyValue');
        r.pos = readLengthEnd(r, end);
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
        checkFixed64(r, end);
        r.pos += 8;
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

/** AnyValue fields 5 (array), 6 (kvlist), 7 (bytes); nesting past maxDepth is skipped unchecked, as the model does. */
function skipAnyValueField(r: WireReader, end: number, field: number, wt: number, depth: number): void {
  expectWireType(wt, WIRE_LEN, field, 'AnyValue');
  const innerEnd = readLengthEnd(r, end);
  if (field !== 7 && depth < r.maxDepth) {
    const inner = depth + 1;
    while (r.pos < innerEnd) {
      const tag = readVarint32(r, innerEnd);
      const f = tag >>> 3;
      const w = tag & 7;
      if (f === 1) {
        expectWireType(w, WIRE_LEN, f, field === 5 ? 'ArrayValue' : 'KeyValueList');
        const elementEnd = readLengthEnd(r, innerEnd);
        if (field === 5) skipAnyValue(r, elementEnd, inner);
        else skipKeyValue(r, elementEnd, inner);
      } else skipTag(r, w, innerEnd, f);
    }
  }
  r.pos = innerEnd;
}

/**
 * Writes entries [first, first + count) as a RowBinary Map(String, String): at most
 * maxAttributesPerSpan of them (the rest counted as dropped), the last of duplicate keys winning at
 * the first one's position, values longer than maxAttributeValueLength UTF-16 units truncated.
 */
export function writeAttributeMap(
  w: RowBinaryWriter,
  r: WireReader,
  t: AttributeTable,
  first: number,
  count: number,
  limits: SpanLimits,
  counters: WireCounters,
): void {
  let n = count;
  if (n > limits.maxAttributesPerSpan) {
    counters.droppedAttributes += n - limits.maxAttributesPerSpan;
    n = limits.maxAttributesPerSpan;
  }
  const d = t.data;
  const buf = r.buf;
  let allClean = true;
  for (let i = first; i < first + n; i++) {
    const o = i * STRIDE;
    const clean = isCleanUtf8(buf, d[o + 2], d[o + 3]);
    d[o + 7] = clean ? 1 : 0;
    if (!clean) allClean = false;
  }
  if (n >= 2 && hasDuplicateKeys(buf, d, first, n, allClean)) {
    writeDeduplicated(w, r, t, first, n, allClean, limits, counters);
    return;
  }
  writeVarUint(w, n);
  for (let i = first; i < first + n; i++) {
    writeKey(w, buf, d, i);
    writeValue(w, r, t, i, limits, counters);
  }
}

function writeKey(w: RowBinaryWriter, buf: Buffer, d: Int32Array, i: number): void {
  const o = i * STRIDE;
  if (d[o + 7] === 1) copyCheckedString(w, buf, d[o + 2], d[o + 3]);
  else writeString(w, buf.toString('utf8', d[o + 2], d[o + 3]));
}

/** Keys compare as the model's JS strings do: bytes when all are clean UTF-8, decoded strings otherwise. */
function keyId(buf: Buffer, d: Int32Array, i: number, allClean: boolean): string {
  const o = i * STRIDE;
  return buf.toString(allClean ? 'latin1' : 'utf8', d[o + 2], d[o + 3]);
}

function hasDuplicateKeys(buf: Buffer, d: Int32Array, first: number, n: number, allClean: boolean): boolean {
  if (allClean && n <= 32) {
    for (let i = first + 1; i < first + n; i++) {
      const ks = d[i * STRIDE + 2];
      const len = d[i * STRIDE + 3] - ks;
      for (let j = first; j < i; j++) {
        const js = d[j * STRIDE + 2];
        if (d[j * STRIDE + 3] - js !== len) continue;
        let k = 0;
        while (k < len && buf[ks + k] === buf[js + k]) k++;
        if (k === len) return true;
      }
    }
    return false;
  }
  const seen = new Set<string>();
  for (let i = first; i < first + n; i++) {
    const id = keyId(buf, d, i, allClean);
    if (seen.has(id)) return true;
    seen.add(id);
  }
  return false;
}

function writeDeduplicated(
  w: RowBinaryWriter,
  r: WireReader,
  t: AttributeTable,
  first: number,
  n: number,
  allClean: boolean,
  limits: SpanLimits,
  counters: WireCounters,
): void {
  // Like a JS Map: a key keeps the position of its first occurrence and the value of its last.
  const positions = new Map<string, number>();
  const winners: number[] = [];
  for (let i = first; i < first + n; i++) {
    const id = keyId(r.buf, t.data, i, allClean);
    const at = positions.get(id);
    if (at === undefined) {
      positions.set(id, winners.length);
      winners.push(i);
    } else winners[at] = i;
  }
  writeVarUint(w, winners.length);
  for (const i of winners) {
    writeKey(w, r.buf, t.data, i);
    writeValue(w, r, t, i, limits, counters);
  }
}

function writeValue(w: RowBinaryWriter, r: WireReader, t: AttributeTable, i: number, limits: SpanLimits, counters: WireCounters): void {
  const d = t.data;
  const o = i * STRIDE;
  const kind = d[o + 4];
  if (kind === KIND_STRING) {
    const start = d[o + 5];
    const end = d[o + 6];
    // A UTF-8 byte never decodes to more than one UTF-16 unit, so a value this short cannot need truncating.
    if (end - start <= limits.maxAttributeValueLength) copyUtf8String(w, r.buf, start, end);
    else writeTruncated(w, r.buf.toString('utf8', start, end), false, limits, counters);
    return;
  }
  writeTruncated(w, renderValue(r, t, i, counters), kind !== KIND_COMPLEX, limits, counters);
}

function writeTruncated(w: RowBinaryWriter, s: string, ascii: boolean, limits: SpanLimits, counters: WireCounters): void {
  if (s.length > limits.maxAttributeValueLength) {
    s = s.slice(0, limits.maxAttributeValueLength);
    counters.truncatedValues++;
  }
  if (ascii) writeAsciiString(w, s);
  else writeString(w, s);
}

/** A value as anyValueToString renders it (strings included, for service.name). */
function renderValue(r: WireReader, t: AttributeTable, i: number, counters: WireCounters): string {
  const d = t.data;
  const o = i * STRIDE;
  switch (d[o + 4]) {
    case KIND_STRING:
      return r.buf.toString('utf8', d[o + 5], d[o + 6]);
    case KIND_BOOL:
      return d[o + 5] === 1 ? 'true' : 'false';
    case KIND_INT:
      return renderInt(r.buf, d[o + 5], d[o + 6]);
    case KIND_DOUBLE:
      return String(r.buf.readDoubleLE(d[o + 5]));
    case KIND_COMPLEX:
      counters.modelRenderedValues++;
      return anyValueToString(decodeKeyValueWithModel(r, d[o], d[o + 1]).value);
    default:
      return '';
  }
}

function renderInt(buf: Buffer, start: number, end: number): string {
  // Up to 7 varint bytes hold < 2^49: exact as a double, and printed with the same digits as the bigint.
  if (end - start <= 7) {
    let v = 0;
    let scale = 1;
    for (let i = start; i < end; i++) {
      v += (buf[i] & 0x7f) * scale;
      scale *= 128;
    }
    return String(v);
  }
  return readVarint64({ buf, pos: start }, end).toString();
}

/** Decodes one KeyValue with the model decoder, wrapped in the smallest request that holds it at depth 0. */
function decodeKeyValueWithModel(r: WireReader, start: number, end: number): KeyValue {
  // ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.resource(1) → Resource.attributes(1)
  let inner: Buffer = r.buf.subarray(start, end);
  for (let level = 0; level < 3; level++) inner = Buffer.concat([Buffer.from([0x0a]), lengthPrefix(inner.length), inner]);
  return decodeTraceRequestProtobuf(inner, r.options).resourceSpans[0].resource.attributes[0];
}

function lengthPrefix(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

/**
 * Writes the ServiceName column: the last `service.name` among all entries, rendered and never
 * truncated (as span-rows.ts does), or '' when there is none.
 */
export function writeServiceName(w: RowBinaryWriter, r: WireReader, t: AttributeTable, counters: WireCounters): void {
  const d = t.data;
  let found = -1;
  for (let i = 0; i < t.count; i++) {
    const o = i * STRIDE;
    if (rangeEquals(r.buf, d[o + 2], d[o + 3], SERVICE_NAME)) found = i;
  }
  if (found < 0) writeVarUint(w, 0);
  else if (d[found * STRIDE + 4] === KIND_STRING) copyUtf8String(w, r.buf, d[found * STRIDE + 5], d[found * STRIDE + 6]);
  else writeString(w, renderValue(r, t, found, counters));
}

const SERVICE_NAME = Buffer.from('service.name', 'utf8');
