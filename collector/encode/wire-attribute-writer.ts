// Writes the fused path's parsed attributes (wire-attribute-table.ts) as RowBinary
// Map(LowCardinality(String), String) with model-rows.ts's semantics: the attribute limit, the last
// of duplicate keys winning, values rendered as any-value-string.ts renders them, truncated by UTF-16 length.
import { isUtf8 } from 'node:buffer';
import { anyValueToString } from './any-value-string.js';
import type { SpanLimits } from './model-rows.js';
import { decodeKeyValueAt } from '../otlp/protobuf-decoder.js';
import { readLengthEnd, readVarint32, readVarint64, skipTag, skipVarint, type ProtobufReader } from '../otlp/protobuf-reader.js';
import {
  KEY_END,
  KEY_FINGERPRINT,
  KEY_IS_CLEAN,
  KEY_START,
  KIND,
  KIND_ARRAY,
  KIND_BOOL,
  KIND_COMPLEX,
  KIND_DOUBLE,
  KIND_EMPTY,
  KIND_INT,
  KIND_STRING,
  KV_END,
  KV_START,
  STRIDE,
  VALUE_END,
  VALUE_START,
  type AttributeTable,
  type WireReader,
} from './wire-attribute-table.js';
import {
  copyBytes,
  copyCheckedString,
  copyUtf8String,
  createRowBinaryWriter,
  ensure,
  isCleanUtf8,
  rangeEquals,
  writeAsciiString,
  writeString,
  writeVarUint,
  type RowBinaryWriter,
} from './rowbinary-writer.js';

export interface WireCounters {
  truncatedValues: number;
  droppedAttributes: number;
  /** Attribute values (kvlists, bytes, arrays holding those) rendered by decoding them with the model decoder. */
  modelRenderedValues: number;
}

/**
 * Writes entries [first, first + count) as a map: at most maxAttributesPerSpan of them (the rest
 * counted as dropped), the last of duplicate keys winning at the first one's position, values
 * longer than maxAttributeValueLength UTF-16 units truncated (and counted).
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
  // Optimistic: clean UTF-8 keys, none repeated. Otherwise rewind and take the general path.
  const mapStart = w.pos;
  const truncated = counters.truncatedValues;
  const modelRendered = counters.modelRenderedValues;
  if (writeUniqueCleanKeys(w, r, t, first, n, limits, counters)) return;
  w.pos = mapStart;
  counters.truncatedValues = truncated;
  counters.modelRenderedValues = modelRendered;
  writeDeduplicated(w, r, t, first, n, limits, counters);
}

/** Writes the map while copying keys; false (output to be discarded) on an unclean or repeated key. */
function writeUniqueCleanKeys(
  w: RowBinaryWriter,
  r: WireReader,
  t: AttributeTable,
  first: number,
  n: number,
  limits: SpanLimits,
  counters: WireCounters,
): boolean {
  const buf = r.buf;
  const d = t.data;
  writeVarUint(w, n);
  for (let i = first; i < first + n; i++) {
    const o = i * STRIDE;
    const start = d[o + KEY_START];
    const end = d[o + KEY_END];
    const len = end - start;
    if (len < 128) {
      // Copy and check for non-ASCII in one loop over the key.
      ensure(w, 1 + len);
      w.buf[w.pos] = len;
      if (copyBytes(buf, start, end, w.buf, w.pos + 1) >= 0x80 && !isUtf8(buf.subarray(start, end))) return false;
      w.pos += 1 + len;
    } else {
      if (!isCleanUtf8(buf, start, end)) return false;
      copyCheckedString(w, buf, start, end);
    }
    // A cheap fingerprint (length, first and last byte) so most key pairs differ without a byte compare.
    d[o + KEY_FINGERPRINT] = len === 0 ? 0 : len | (buf[start] << 16) | (buf[end - 1] << 24);
    writeValue(w, r, t, i, limits, counters);
  }
  if (n < 2) return true;
  if (n > 32) {
    const seen = new Set<string>();
    for (let i = first; i < first + n; i++) {
      const key = buf.toString('latin1', d[i * STRIDE + KEY_START], d[i * STRIDE + KEY_END]);
      if (seen.has(key)) return false;
      seen.add(key);
    }
    return true;
  }
  // A 64-slot open-addressing set of fingerprints (at most half full), emptied by bumping `generation`.
  if (++generation === 0x7fffffff) {
    generation = 1;
    slotGeneration.fill(0);
  }
  for (let i = first; i < first + n; i++) {
    const fingerprint = d[i * STRIDE + KEY_FINGERPRINT];
    let slot = Math.imul(fingerprint, 0x9e3779b1) >>> 26;
    while (slotGeneration[slot] === generation) {
      if (slotFingerprint[slot] === fingerprint && sameKey(buf, d, i, slotEntry[slot])) return false;
      slot = (slot + 1) & 63;
    }
    slotGeneration[slot] = generation;
    slotFingerprint[slot] = fingerprint;
    slotEntry[slot] = i;
  }
  return true;
}

const slotGeneration = new Int32Array(64);
const slotFingerprint = new Int32Array(64);
const slotEntry = new Int32Array(64);
let generation = 0;

function sameKey(buf: Buffer, d: Int32Array, i: number, j: number): boolean {
  const is = d[i * STRIDE + KEY_START];
  const js = d[j * STRIDE + KEY_START];
  const len = d[i * STRIDE + KEY_END] - is;
  if (d[j * STRIDE + KEY_END] - js !== len) return false;
  for (let k = 0; k < len; k++) if (buf[is + k] !== buf[js + k]) return false;
  return true;
}

/** The general path: keys compared as the model's JS strings are (bytes only mean that for clean UTF-8). */
function writeDeduplicated(
  w: RowBinaryWriter,
  r: WireReader,
  t: AttributeTable,
  first: number,
  n: number,
  limits: SpanLimits,
  counters: WireCounters,
): void {
  const buf = r.buf;
  const d = t.data;
  let allClean = true;
  for (let i = first; i < first + n; i++) {
    const clean = isCleanUtf8(buf, d[i * STRIDE + KEY_START], d[i * STRIDE + KEY_END]);
    d[i * STRIDE + KEY_IS_CLEAN] = clean ? 1 : 0;
    if (!clean) allClean = false;
  }
  // Like model-rows.ts's Map: a key keeps the position of its first occurrence and the value of its last.
  const positions = new Map<string, number>();
  const winners: number[] = [];
  for (let i = first; i < first + n; i++) {
    const key = buf.toString(allClean ? 'latin1' : 'utf8', d[i * STRIDE + KEY_START], d[i * STRIDE + KEY_END]);
    const at = positions.get(key);
    if (at === undefined) {
      positions.set(key, winners.length);
      winners.push(i);
    } else winners[at] = i;
  }
  writeVarUint(w, winners.length);
  for (const i of winners) {
    const o = i * STRIDE;
    if (d[o + KEY_IS_CLEAN] === 1) copyCheckedString(w, buf, d[o + KEY_START], d[o + KEY_END]);
    else writeString(w, buf.toString('utf8', d[o + KEY_START], d[o + KEY_END]));
    writeValue(w, r, t, i, limits, counters);
  }
}

function writeValue(w: RowBinaryWriter, r: WireReader, t: AttributeTable, i: number, limits: SpanLimits, counters: WireCounters): void {
  const d = t.data;
  const o = i * STRIDE;
  const kind = d[o + KIND];
  if (kind === KIND_STRING) {
    const start = d[o + VALUE_START];
    const end = d[o + VALUE_END];
    // A UTF-8 byte never decodes to more than one UTF-16 unit, so a value this short cannot need truncating.
    if (end - start <= limits.maxAttributeValueLength) copyUtf8String(w, r.buf, start, end);
    else writeTruncated(w, r.buf.toString('utf8', start, end), false, limits, counters);
    return;
  }
  if (kind === KIND_ARRAY && renderScalarArray(r.buf, d[o + VALUE_START], d[o + VALUE_END])) {
    const n = json.pos;
    if (n <= limits.maxAttributeValueLength) {
      writeVarUint(w, n);
      ensure(w, n);
      json.buf.copy(w.buf, w.pos, 0, n);
      w.pos += n;
    } else writeTruncated(w, json.buf.toString('utf8', 0, n), false, limits, counters);
    return;
  }
  if (kind === KIND_INT && d[o + VALUE_END] - d[o + VALUE_START] <= 7 && writeSmallInt(w, r.buf, d[o + VALUE_START], d[o + VALUE_END], limits)) return;
  const ascii = kind === KIND_EMPTY || kind === KIND_BOOL || kind === KIND_INT || kind === KIND_DOUBLE;
  writeTruncated(w, renderValue(r, t, i, counters), ascii, limits, counters);
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
  switch (d[o + KIND]) {
    case KIND_STRING:
      return r.buf.toString('utf8', d[o + VALUE_START], d[o + VALUE_END]);
    case KIND_BOOL:
      return d[o + VALUE_START] === 1 ? 'true' : 'false';
    case KIND_INT:
      return renderInt(r.buf, d[o + VALUE_START], d[o + VALUE_END]);
    case KIND_DOUBLE:
      return String(r.buf.readDoubleLE(d[o + VALUE_START]));
    case KIND_ARRAY:
    case KIND_COMPLEX:
      counters.modelRenderedValues++;
      return anyValueToString(decodeKeyValueAt(r.buf, d[o + KV_START], d[o + KV_END], r.options).value);
    default:
      return '';
  }
}

/** Writes a varint of at most 7 bytes as decimal digits without making a string; false when it would need truncating. */
function writeSmallInt(w: RowBinaryWriter, buf: Buffer, start: number, end: number, limits: SpanLimits): boolean {
  let v = 0;
  let scale = 1;
  for (let i = start; i < end; i++) {
    v += (buf[i] & 0x7f) * scale;
    scale *= 128;
  }
  let digits = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
  if (digits > limits.maxAttributeValueLength) return false;
  ensure(w, 1 + digits);
  const out = w.buf;
  out[w.pos] = digits;
  for (let p = w.pos + digits; p > w.pos; p--) {
    const q = Math.floor(v / 10);
    out[p] = 0x30 + (v - q * 10);
    v = q;
  }
  w.pos += 1 + digits;
  return true;
}

/** The int64 varint at buf[start, end) in decimal, as bigint's toString prints it. */
function renderInt(buf: Buffer, start: number, end: number): string {
  // Up to 7 varint bytes hold < 2^49: exact as a double, and printed with the same digits.
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

// An array rendered as JSON, the way any-value-string.ts's toJson writes it.
const json = createRowBinaryWriter(256);
const element: ProtobufReader = { buf: Buffer.alloc(0), pos: 0 };

/**
 * Renders an ArrayValue's content `buf[start, end)` into `json` when every element is a string,
 * bool, int, double or empty; false for anything else (nested arrays, kvlists, bytes), which the
 * model decoder then renders. The content was validated when it was parsed.
 */
function renderScalarArray(buf: Buffer, start: number, end: number): boolean {
  const e = element;
  e.buf = buf;
  e.pos = start;
  json.pos = 0;
  putByte(0x5b); // [
  let first = true;
  while (e.pos < end) {
    const tag = readVarint32(e, end);
    if (tag >>> 3 !== 1) {
      skipTag(e, tag & 7, end, tag >>> 3);
      continue;
    }
    const elementEnd = readLengthEnd(e, end);
    let kind = KIND_EMPTY;
    let a = 0;
    let b = 0;
    while (e.pos < elementEnd) {
      const t = readVarint32(e, elementEnd);
      switch (t >>> 3) {
        case 1:
          b = readLengthEnd(e, elementEnd);
          a = e.pos;
          e.pos = b;
          kind = KIND_STRING;
          break;
        case 2:
          a = readVarint32(e, elementEnd) !== 0 ? 1 : 0;
          kind = KIND_BOOL;
          break;
        case 3:
          a = e.pos;
          skipVarint(e, elementEnd);
          b = e.pos;
          kind = KIND_INT;
          break;
        case 4:
          a = e.pos;
          e.pos += 8;
          kind = KIND_DOUBLE;
          break;
        case 5:
        case 6:
        case 7:
          e.pos = readLengthEnd(e, elementEnd);
          kind = KIND_COMPLEX;
          break;
        default:
          skipTag(e, t & 7, elementEnd, t >>> 3);
      }
    }
    if (kind === KIND_COMPLEX) return false;
    if (!first) putByte(0x2c); // ,
    first = false;
    if (kind === KIND_STRING) putJsonString(buf, a, b);
    else if (kind === KIND_BOOL) putAscii(a === 1 ? 'true' : 'false');
    else if (kind === KIND_INT) putAscii(renderInt(buf, a, b));
    else if (kind === KIND_DOUBLE) {
      const v = buf.readDoubleLE(a);
      putAscii(Number.isFinite(v) ? String(v) : 'null');
    } else putAscii('null');
  }
  putByte(0x5d); // ]
  return true;
}

function putByte(b: number): void {
  ensure(json, 1);
  json.buf[json.pos++] = b;
}

function putAscii(s: string): void {
  ensure(json, s.length);
  for (let i = 0; i < s.length; i++) json.buf[json.pos++] = s.charCodeAt(i);
}

/** JSON.stringify of the decoded string: the bytes between quotes when nothing needs escaping. */
function putJsonString(buf: Buffer, start: number, end: number): void {
  let high = 0;
  let escape = false;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    high |= b;
    if (b < 0x20 || b === 0x22 || b === 0x5c) escape = true;
  }
  if (!escape && (high < 0x80 || isUtf8(buf.subarray(start, end)))) {
    ensure(json, end - start + 2);
    json.buf[json.pos++] = 0x22;
    buf.copy(json.buf, json.pos, start, end);
    json.pos += end - start;
    json.buf[json.pos++] = 0x22;
    return;
  }
  const s = JSON.stringify(buf.toString('utf8', start, end));
  ensure(json, s.length * 3);
  json.pos += json.buf.write(s, json.pos);
}

const SERVICE_NAME = Buffer.from('service.name', 'utf8');

/**
 * Writes the ServiceName column: the last `service.name` among all entries, rendered and never
 * truncated (as model-rows.ts does), or '' when there is none.
 */
export function writeServiceName(w: RowBinaryWriter, r: WireReader, t: AttributeTable, counters: WireCounters): void {
  const d = t.data;
  let found = -1;
  for (let i = 0; i < t.count; i++) {
    if (rangeEquals(r.buf, d[i * STRIDE + KEY_START], d[i * STRIDE + KEY_END], SERVICE_NAME)) found = i;
  }
  if (found < 0) writeVarUint(w, 0);
  else if (d[found * STRIDE + KIND] === KIND_STRING) copyUtf8String(w, r.buf, d[found * STRIDE + VALUE_START], d[found * STRIDE + VALUE_END]);
  else writeString(w, renderValue(r, t, found, counters));
}
