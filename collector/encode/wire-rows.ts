// The protobuf ingest path: walks an OTLP ExportTraceServiceRequest's bytes once and writes otel_traces
// RowBinary rows directly, copying strings and ids out of the request without a JS object model.
// Byte-identical to encodeSpanRows(decodeTraceRequestProtobuf(body)), as test/protobuf-to-rows.test.ts checks.
import { copyUtf8String, createRowBinaryWriter, ensure, takeBytes, writeHexRange, writeVarUint, type RowBinaryWriter } from './rowbinary-writer.js';
import { SPAN_KIND_NAMES, STATUS_NAMES } from '../../schema/otel-traces.js';
import { DEFAULT_SPAN_LIMITS, type EncodeResult, type SpanLimits } from './model-rows.js';
import { allZero, createSpanShape, recordRejection, spanProblem, type SpanShape } from './span-validation.js';
import { DEFAULT_MAX_VALUE_DEPTH, type DecodeOptions } from '../otlp/protobuf-decoder.js';
import {
  expectWireType,
  readFieldEnd,
  readTag,
  readVarint32,
  skipFixed,
  skipTag,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
} from '../otlp/protobuf-reader.js';
import { writeAttributeMap, writeServiceName, type WireCounters } from './wire-attribute-writer.js';
import { createAttributeTable, parseKeyValue, skipKeyValue, type WireReader } from './wire-attribute-table.js';

export interface ProtobufEncodeResult extends EncodeResult {
  /** Attribute values (kvlists, bytes, arrays holding those) decoded into the model to be rendered. */
  modelRenderedValues: number;
}

/** Fixed names as ready-made RowBinary Strings (length byte + ASCII). */
const rowBinaryStrings = (names: readonly string[]): Buffer[] => names.map((n) => Buffer.concat([Buffer.from([n.length]), Buffer.from(n, 'latin1')]));
const KIND_STRINGS = rowBinaryStrings(SPAN_KIND_NAMES);
const STATUS_STRINGS = rowBinaryStrings(STATUS_NAMES);

/** A growable table of int rows, reused across requests (encoding is synchronous, one request at a time). */
interface IntTable {
  data: Int32Array;
  count: number;
  readonly stride: number;
}

function createIntTable(stride: number): IntTable {
  return { data: new Int32Array(64 * stride), count: 0, stride };
}

/** Appends a row and returns its offset in `data`. */
function addRow(t: IntTable): number {
  if ((t.count + 1) * t.stride > t.data.length) {
    const next = new Int32Array(t.data.length * 2);
    next.set(t.data);
    t.data = next;
  }
  return t.count++ * t.stride;
}

function addRange(t: IntTable, start: number, end: number): void {
  const o = addRow(t);
  t.data[o] = start;
  t.data[o + 1] = end;
}

/** ServiceName + ResourceAttributes of the current resource, then + ScopeName + ScopeVersion: adjacent columns. */
const resourcePart = createRowBinaryWriter(1 << 12);
const scopePart = createRowBinaryWriter(1 << 12);
/** The current scope's scopePart bytes: columns 8–11 of each of its rows. */
let rowMiddle: Uint8Array = scopePart.buf.subarray(0, 0);
/** KeyValues of the current resource, or of the current span (its own, then each event's, then each link's). */
const attributes = createAttributeTable();
const scopeSpansRanges = createIntTable(2);
const spanRanges = createIntTable(2);
const eventRanges = createIntTable(2);
const linkRanges = createIntTable(2);
// [timeOffset (-1 = absent), nameStart, nameEnd, firstAttribute, attributeCount]
const events = createIntTable(5);
// [traceIdStart, traceIdEnd, spanIdStart, spanIdEnd, traceStateStart, traceStateEnd, firstAttribute, attributeCount]
const links = createIntTable(8);

interface RequestState {
  limits: SpanLimits;
  counters: WireCounters;
  rows: number;
  rejected: number;
  rejections: string[];
}

/**
 * Encodes a protobuf ExportTraceServiceRequest into otel_traces rows. Throws OtlpDecodeError for
 * exactly the bodies the model decoder rejects, with its words (the reader is shared); a body with
 * several faults may be named by another one, since a resource's spans, and a span's events and
 * links, are read after the fields around them.
 */
export function encodeProtobufSpanRows(body: Buffer, limits: SpanLimits = DEFAULT_SPAN_LIMITS, options: DecodeOptions = {}): ProtobufEncodeResult {
  const r: WireReader = { buf: body, pos: 0, maxDepth: options.maxValueDepth ?? DEFAULT_MAX_VALUE_DEPTH, options };
  const st: RequestState = {
    limits,
    counters: { truncatedValues: 0, droppedAttributes: 0, modelRenderedValues: 0 },
    rows: 0,
    rejected: 0,
    rejections: [],
  };
  // Rows are written straight into the buffer handed to the sink (RowBinary is ~1.3× the protobuf).
  const out: RowBinaryWriter = { buf: Buffer.allocUnsafe(Math.ceil(body.length * 1.5) + 256), pos: 0 };
  const end = body.length;
  let ri = 0;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWireType(wt, WIRE_LEN, field, 'ExportTraceServiceRequest');
      const fieldEnd = readFieldEnd(r, end);
      encodeResourceSpans(r, out, fieldEnd, ri++, st);
      r.pos = fieldEnd;
    } else skipTag(r, wt, end, field);
  }
  const { truncatedValues, droppedAttributes, modelRenderedValues } = st.counters;
  return {
    // Keep the buffer unless most of it went unused (e.g. most spans rejected).
    bytes: out.pos * 2 >= out.buf.length ? out.buf.subarray(0, out.pos) : takeBytes(out),
    rows: st.rows,
    rejected: st.rejected,
    rejections: st.rejections,
    truncatedValues,
    droppedAttributes,
    modelRenderedValues,
  };
}

function encodeResourceSpans(r: WireReader, out: RowBinaryWriter, end: number, ri: number, st: RequestState): void {
  // The resource may follow its scope_spans, so scope_spans are only located in this first pass.
  scopeSpansRanges.count = 0;
  attributes.count = 0;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_LEN, field, 'ResourceSpans');
        parseResource(r, readFieldEnd(r, end));
        break;
      case 2: {
        expectWireType(wt, WIRE_LEN, field, 'ResourceSpans');
        const fieldEnd = readFieldEnd(r, end);
        addRange(scopeSpansRanges, r.pos, fieldEnd);
        r.pos = fieldEnd;
        break;
      }
      case 3:
        expectWireType(wt, WIRE_LEN, field, 'ResourceSpans');
        r.pos = readFieldEnd(r, end);
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  // Written once per resource, spans or not, so the limit counters match the model path's.
  resourcePart.pos = 0;
  writeServiceName(resourcePart, r, attributes, st.counters);
  writeAttributeMap(resourcePart, r, attributes, 0, attributes.count, st.limits, st.counters);
  for (let si = 0; si < scopeSpansRanges.count; si++) {
    encodeScopeSpans(r, out, scopeSpansRanges.data[si * 2], scopeSpansRanges.data[si * 2 + 1], ri, si, st);
  }
}

function parseResource(r: WireReader, end: number): void {
  // A repeated resource field replaces the earlier one, as in the model decoder.
  attributes.count = 0;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWireType(wt, WIRE_LEN, field, 'Resource');
      parseKeyValue(r, readFieldEnd(r, end), attributes);
    } else if (field === 2) {
      expectWireType(wt, WIRE_VARINT, field, 'Resource');
      readVarint32(r, end);
    } else skipTag(r, wt, end, field);
  }
}

function encodeScopeSpans(r: WireReader, out: RowBinaryWriter, start: number, end: number, ri: number, si: number, st: RequestState): void {
  r.pos = start;
  spanRanges.count = 0;
  let nameStart = 0;
  let nameEnd = 0;
  let versionStart = 0;
  let versionEnd = 0;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1: {
        expectWireType(wt, WIRE_LEN, field, 'ScopeSpans');
        const scopeEnd = readFieldEnd(r, end);
        nameStart = nameEnd = versionStart = versionEnd = 0;
        while (r.pos < scopeEnd) {
          const t = readTag(r, scopeEnd);
          const f = t >>> 3;
          const w = t & 7;
          if (f === 1 || f === 2) {
            expectWireType(w, WIRE_LEN, f, 'InstrumentationScope');
            const stringEnd = readFieldEnd(r, scopeEnd);
            if (f === 1) {
              nameStart = r.pos;
              nameEnd = stringEnd;
            } else {
              versionStart = r.pos;
              versionEnd = stringEnd;
            }
            r.pos = stringEnd;
          } else if (f === 3) {
            expectWireType(w, WIRE_LEN, f, 'InstrumentationScope');
            skipKeyValue(r, readFieldEnd(r, scopeEnd), 0);
          } else if (f === 4) {
            expectWireType(w, WIRE_VARINT, f, 'InstrumentationScope');
            readVarint32(r, scopeEnd);
          } else skipTag(r, w, scopeEnd, f);
        }
        break;
      }
      case 2: {
        expectWireType(wt, WIRE_LEN, field, 'ScopeSpans');
        const fieldEnd = readFieldEnd(r, end);
        addRange(spanRanges, r.pos, fieldEnd);
        r.pos = fieldEnd;
        break;
      }
      case 3:
        expectWireType(wt, WIRE_LEN, field, 'ScopeSpans');
        r.pos = readFieldEnd(r, end);
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  scopePart.pos = 0;
  copyWriter(scopePart, resourcePart);
  copyUtf8String(scopePart, r.buf, nameStart, nameEnd);
  copyUtf8String(scopePart, r.buf, versionStart, versionEnd);
  rowMiddle = scopePart.buf.subarray(0, scopePart.pos);
  for (let pi = 0; pi < spanRanges.count; pi++) {
    encodeSpan(r, out, spanRanges.data[pi * 2], spanRanges.data[pi * 2 + 1], ri, si, pi, st);
  }
}

function encodeSpan(r: WireReader, out: RowBinaryWriter, start: number, end: number, ri: number, si: number, pi: number, st: RequestState): void {
  // Pass 1: locate every field (the last occurrence wins) and parse attributes, events and links
  // into tables, validating as the model decoder would. Pass 2 writes the row in column order.
  const buf = r.buf;
  r.pos = start;
  attributes.count = 0;
  eventRanges.count = 0;
  linkRanges.count = 0;
  let traceIdStart = 0;
  let traceIdEnd = 0;
  let spanIdStart = 0;
  let spanIdEnd = 0;
  let traceStateStart = 0;
  let traceStateEnd = 0;
  let parentStart = 0;
  let parentEnd = 0;
  let nameStart = 0;
  let nameEnd = 0;
  let kind = 0;
  let startAt = -1;
  let endAt = -1;
  let statusCode = 0;
  let messageStart = 0;
  let messageEnd = 0;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
      case 2:
      case 3:
      case 4:
      case 5: {
        expectWireType(wt, WIRE_LEN, field, 'Span');
        const fieldEnd = readFieldEnd(r, end);
        if (field === 1) {
          traceIdStart = r.pos;
          traceIdEnd = fieldEnd;
        } else if (field === 2) {
          spanIdStart = r.pos;
          spanIdEnd = fieldEnd;
        } else if (field === 3) {
          traceStateStart = r.pos;
          traceStateEnd = fieldEnd;
        } else if (field === 4) {
          parentStart = r.pos;
          parentEnd = fieldEnd;
        } else {
          nameStart = r.pos;
          nameEnd = fieldEnd;
        }
        r.pos = fieldEnd;
        break;
      }
      case 6:
        expectWireType(wt, WIRE_VARINT, field, 'Span');
        kind = readVarint32(r, end);
        break;
      case 7:
      case 8:
        expectWireType(wt, WIRE_FIXED64, field, 'Span');
        if (field === 7) startAt = skipFixed(r, end, 8, 'fixed64');
        else endAt = skipFixed(r, end, 8, 'fixed64');
        break;
      case 9:
        expectWireType(wt, WIRE_LEN, field, 'Span');
        parseKeyValue(r, readFieldEnd(r, end), attributes);
        break;
      case 11:
      case 13: {
        expectWireType(wt, WIRE_LEN, field, 'Span');
        const fieldEnd = readFieldEnd(r, end);
        addRange(field === 11 ? eventRanges : linkRanges, r.pos, fieldEnd);
        r.pos = fieldEnd;
        break;
      }
      case 10:
      case 12:
      case 14:
        expectWireType(wt, WIRE_VARINT, field, 'Span');
        readVarint32(r, end);
        break;
      case 15: {
        expectWireType(wt, WIRE_LEN, field, 'Span');
        const statusEnd = readFieldEnd(r, end);
        statusCode = messageStart = messageEnd = 0;
        while (r.pos < statusEnd) {
          const t = readTag(r, statusEnd);
          const f = t >>> 3;
          const w = t & 7;
          if (f === 2) {
            expectWireType(w, WIRE_LEN, f, 'Status');
            const fieldEnd = readFieldEnd(r, statusEnd);
            messageStart = r.pos;
            messageEnd = fieldEnd;
            r.pos = fieldEnd;
          } else if (f === 3) {
            expectWireType(w, WIRE_VARINT, f, 'Status');
            statusCode = readVarint32(r, statusEnd);
          } else skipTag(r, w, statusEnd, f);
        }
        break;
      }
      case 16:
        expectWireType(wt, WIRE_FIXED32, field, 'Span');
        skipFixed(r, end, 4, 'fixed32');
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  const spanAttributes = attributes.count;
  events.count = 0;
  for (let i = 0; i < eventRanges.count; i++) parseEvent(r, eventRanges.data[i * 2], eventRanges.data[i * 2 + 1]);
  links.count = 0;
  for (let i = 0; i < linkRanges.count; i++) parseLink(r, linkRanges.data[i * 2], linkRanges.data[i * 2 + 1]);

  const problem = spanProblem(measureSpan(buf, traceIdStart, traceIdEnd, spanIdStart, spanIdEnd, parentEnd - parentStart, startAt, endAt));
  if (problem !== undefined) {
    st.rejected++;
    recordRejection(st.rejections, ri, si, pi, problem);
    return;
  }

  const w = out;
  const { limits, counters } = st;
  copyRaw(w, buf, startAt, 8);
  writeHexRange(w, buf, traceIdStart, traceIdEnd);
  writeHexRange(w, buf, spanIdStart, spanIdEnd);
  writeHexRange(w, buf, parentStart, parentEnd);
  copyUtf8String(w, buf, traceStateStart, traceStateEnd);
  copyUtf8String(w, buf, nameStart, nameEnd);
  copyRaw(w, KIND_STRINGS[kind < KIND_STRINGS.length ? kind : 0], 0, -1);
  ensure(w, rowMiddle.length);
  w.buf.set(rowMiddle, w.pos);
  w.pos += rowMiddle.length;
  writeAttributeMap(w, r, attributes, 0, spanAttributes, limits, counters);
  writeDuration(w, buf, startAt, endAt);
  copyRaw(w, STATUS_STRINGS[statusCode < STATUS_STRINGS.length ? statusCode : 0], 0, -1);
  copyUtf8String(w, buf, messageStart, messageEnd);

  const ev = events.data;
  const nEvents = events.count;
  writeVarUint(w, nEvents);
  for (let i = 0; i < nEvents; i++) {
    const at = ev[i * 5];
    // Absent, or beyond Int64 (the year 2262): 0, as model-rows.ts writes it.
    if (at < 0 || buf[at + 7] >= 0x80) copyRaw(w, ZERO_INT64, 0, 8);
    else copyRaw(w, buf, at, 8);
  }
  writeVarUint(w, nEvents);
  for (let i = 0; i < nEvents; i++) copyUtf8String(w, buf, ev[i * 5 + 1], ev[i * 5 + 2]);
  writeVarUint(w, nEvents);
  for (let i = 0; i < nEvents; i++) writeAttributeMap(w, r, attributes, ev[i * 5 + 3], ev[i * 5 + 4], limits, counters);

  const ln = links.data;
  const nLinks = links.count;
  writeVarUint(w, nLinks);
  for (let i = 0; i < nLinks; i++) writeHexRange(w, buf, ln[i * 8], ln[i * 8 + 1]);
  writeVarUint(w, nLinks);
  for (let i = 0; i < nLinks; i++) writeHexRange(w, buf, ln[i * 8 + 2], ln[i * 8 + 3]);
  writeVarUint(w, nLinks);
  for (let i = 0; i < nLinks; i++) copyUtf8String(w, buf, ln[i * 8 + 4], ln[i * 8 + 5]);
  writeVarUint(w, nLinks);
  for (let i = 0; i < nLinks; i++) writeAttributeMap(w, r, attributes, ln[i * 8 + 6], ln[i * 8 + 7], limits, counters);
  st.rows++;
}

function parseEvent(r: WireReader, start: number, end: number): void {
  r.pos = start;
  let at = -1;
  let nameStart = 0;
  let nameEnd = 0;
  const firstAttribute = attributes.count;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_FIXED64, field, 'Span.Event');
        at = skipFixed(r, end, 8, 'fixed64');
        break;
      case 2: {
        expectWireType(wt, WIRE_LEN, field, 'Span.Event');
        const fieldEnd = readFieldEnd(r, end);
        nameStart = r.pos;
        nameEnd = fieldEnd;
        r.pos = fieldEnd;
        break;
      }
      case 3:
        expectWireType(wt, WIRE_LEN, field, 'Span.Event');
        parseKeyValue(r, readFieldEnd(r, end), attributes);
        break;
      case 4:
        expectWireType(wt, WIRE_VARINT, field, 'Span.Event');
        readVarint32(r, end);
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  const o = addRow(events);
  const d = events.data;
  d[o] = at;
  d[o + 1] = nameStart;
  d[o + 2] = nameEnd;
  d[o + 3] = firstAttribute;
  d[o + 4] = attributes.count - firstAttribute;
}

function parseLink(r: WireReader, start: number, end: number): void {
  r.pos = start;
  const ranges = [0, 0, 0, 0, 0, 0];
  const firstAttribute = attributes.count;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
      case 2:
      case 3: {
        expectWireType(wt, WIRE_LEN, field, 'Span.Link');
        const fieldEnd = readFieldEnd(r, end);
        ranges[(field - 1) * 2] = r.pos;
        ranges[(field - 1) * 2 + 1] = fieldEnd;
        r.pos = fieldEnd;
        break;
      }
      case 4:
        expectWireType(wt, WIRE_LEN, field, 'Span.Link');
        parseKeyValue(r, readFieldEnd(r, end), attributes);
        break;
      case 5:
        expectWireType(wt, WIRE_VARINT, field, 'Span.Link');
        readVarint32(r, end);
        break;
      case 6:
        expectWireType(wt, WIRE_FIXED32, field, 'Span.Link');
        skipFixed(r, end, 4, 'fixed32');
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  const o = addRow(links);
  const d = links.data;
  for (let i = 0; i < 6; i++) d[o + i] = ranges[i];
  d[o + 6] = firstAttribute;
  d[o + 7] = attributes.count - firstAttribute;
}

const shape = createSpanShape();

/** The span's shape for spanProblem, from its offsets (a time's offset is -1 when it is absent). */
function measureSpan(
  buf: Buffer,
  traceIdStart: number,
  traceIdEnd: number,
  spanIdStart: number,
  spanIdEnd: number,
  parentLength: number,
  startAt: number,
  endAt: number,
): SpanShape {
  shape.traceIdLength = traceIdEnd - traceIdStart;
  shape.traceIdAllZero = shape.traceIdLength === 16 && allZero(buf, traceIdStart, 16);
  shape.spanIdLength = spanIdEnd - spanIdStart;
  shape.spanIdAllZero = shape.spanIdLength === 8 && allZero(buf, spanIdStart, 8);
  shape.parentSpanIdLength = parentLength;
  shape.startMissing = startAt < 0 || allZero(buf, startAt, 8);
  // Past Int64 when the top bit is set; an absent end time is 0.
  shape.beyondInt64 = (startAt >= 0 && buf[startAt + 7] >= 0x80) || (endAt >= 0 && buf[endAt + 7] >= 0x80);
  shape.endBeforeStart = startAt >= 0 && (endAt < 0 || compareUint64(buf, endAt, startAt) < 0);
  return shape;
}

function compareUint64(buf: Buffer, a: number, b: number): number {
  const aHi = buf.readUInt32LE(a + 4);
  const bHi = buf.readUInt32LE(b + 4);
  if (aHi !== bHi) return aHi < bHi ? -1 : 1;
  const aLo = buf.readUInt32LE(a);
  const bLo = buf.readUInt32LE(b);
  return aLo === bLo ? 0 : aLo < bLo ? -1 : 1;
}

/** Duration = end − start as UInt64 (end ≥ start, both < 2^63, as validated). */
function writeDuration(w: RowBinaryWriter, buf: Buffer, startAt: number, endAt: number): void {
  let lo = buf.readUInt32LE(endAt) - buf.readUInt32LE(startAt);
  let hi = buf.readUInt32LE(endAt + 4) - buf.readUInt32LE(startAt + 4);
  if (lo < 0) {
    lo += 0x100000000;
    hi -= 1;
  }
  ensure(w, 8);
  w.buf.writeUInt32LE(lo, w.pos);
  w.buf.writeUInt32LE(hi, w.pos + 4);
  w.pos += 8;
}

const ZERO_INT64 = Buffer.alloc(8);

/** Copies `length` bytes (all of `src` when −1) from `src` at `start`; a loop, since these are a few bytes. */
function copyRaw(w: RowBinaryWriter, src: Uint8Array, start: number, length: number): void {
  const n = length < 0 ? src.length : length;
  ensure(w, n);
  const dst = w.buf;
  let p = w.pos;
  for (let i = start; i < start + n; i++) dst[p++] = src[i];
  w.pos = p;
}

function copyWriter(w: RowBinaryWriter, from: RowBinaryWriter): void {
  ensure(w, from.pos);
  from.buf.copy(w.buf, w.pos, 0, from.pos);
  w.pos += from.pos;
}
