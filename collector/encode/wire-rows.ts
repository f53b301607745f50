// The fused protobuf ingest path: walks an OTLP ExportTraceServiceRequest's bytes once and writes
// otel_traces RowBinary rows directly, copying strings and ids out of the request without a JS
// object model. Byte-identical to encodeSpanRows(decodeTraceRequestProtobuf(body)) (test/protobuf-to-rows.test.ts).
import { SPAN_KIND_NAMES, STATUS_NAMES } from '../../schema/otel-traces.js';
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
import { DEFAULT_SPAN_LIMITS, type EncodeResult, type SpanLimits } from './model-rows.js';
import {
  copyUtf8String,
  createRowBinaryWriter,
  ensure,
  takeBytes,
  writeBytes,
  writeFewBytes,
  writeHexRange,
  writeVarUint,
  type RowBinaryWriter,
} from './rowbinary-writer.js';
import { allZero, createSpanShape, recordRejection, spanProblem, type SpanShape } from './span-validation.js';
import { createAttributeTable, parseKeyValue, skipKeyValue, type WireReader } from './wire-attribute-table.js';
import { writeAttributeMap, writeServiceName, type WireCounters } from './wire-attribute-writer.js';

export interface ProtobufEncodeResult extends EncodeResult {
  /** Attribute values (kvlists, bytes, arrays holding those) decoded into the model to be rendered. */
  modelRenderedValues: number;
}

/** What one request's walk carries from resource to scope to span. */
interface RequestState {
  limits: SpanLimits;
  counters: WireCounters;
  rows: number;
  rejected: number;
  rejections: string[];
  /** Where the span being encoded sits, for its rejection message. */
  resourceIndex: number;
  scopeIndex: number;
}

/** Where the current span's fields are in the body: byte ranges [start, end), a time's offset (-1: absent). */
interface SpanFields {
  traceIdStart: number;
  traceIdEnd: number;
  spanIdStart: number;
  spanIdEnd: number;
  traceStateStart: number;
  traceStateEnd: number;
  parentStart: number;
  parentEnd: number;
  nameStart: number;
  nameEnd: number;
  kind: number;
  startAt: number;
  endAt: number;
  statusCode: number;
  messageStart: number;
  messageEnd: number;
  /** The span's own attributes are table entries [0, attributeCount); its events' and links' follow. */
  attributeCount: number;
}

/** A growable table of int rows, reused across requests (encoding is synchronous, one request at a time). */
interface IntTable {
  data: Int32Array;
  count: number;
  readonly stride: number;
}

/** Fixed names as ready-made RowBinary Strings (length byte + ASCII). */
const rowBinaryStrings = (names: readonly string[]): Buffer[] => names.map((n) => Buffer.concat([Buffer.from([n.length]), Buffer.from(n, 'latin1')]));
const KIND_STRINGS = rowBinaryStrings(SPAN_KIND_NAMES);
const STATUS_STRINGS = rowBinaryStrings(STATUS_NAMES);
const ZERO_INT64 = Buffer.alloc(8);

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
const EVENT_STRIDE = 5;
const events = createIntTable(EVENT_STRIDE);
// [traceIdStart, traceIdEnd, spanIdStart, spanIdEnd, traceStateStart, traceStateEnd, firstAttribute, attributeCount]
const LINK_STRIDE = 8;
const links = createIntTable(LINK_STRIDE);
/** The current scope's name and version ranges ([0, 0): empty). */
const scope = { nameStart: 0, nameEnd: 0, versionStart: 0, versionEnd: 0 };
const span: SpanFields = {
  traceIdStart: 0,
  traceIdEnd: 0,
  spanIdStart: 0,
  spanIdEnd: 0,
  traceStateStart: 0,
  traceStateEnd: 0,
  parentStart: 0,
  parentEnd: 0,
  nameStart: 0,
  nameEnd: 0,
  kind: 0,
  startAt: -1,
  endAt: -1,
  statusCode: 0,
  messageStart: 0,
  messageEnd: 0,
  attributeCount: 0,
};
const shape = createSpanShape();

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
    resourceIndex: 0,
    scopeIndex: 0,
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
      st.resourceIndex = ri++;
      encodeResourceSpans(r, out, fieldEnd, st);
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

function encodeResourceSpans(r: WireReader, w: RowBinaryWriter, end: number, st: RequestState): void {
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
    st.scopeIndex = si;
    encodeScopeSpans(r, w, scopeSpansRanges.data[si * 2], scopeSpansRanges.data[si * 2 + 1], st);
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

function encodeScopeSpans(r: WireReader, w: RowBinaryWriter, start: number, end: number, st: RequestState): void {
  r.pos = start;
  spanRanges.count = 0;
  scope.nameStart = scope.nameEnd = scope.versionStart = scope.versionEnd = 0;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_LEN, field, 'ScopeSpans');
        locateScope(r, readFieldEnd(r, end));
        break;
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
  writeBytes(scopePart, resourcePart.buf.subarray(0, resourcePart.pos));
  copyUtf8String(scopePart, r.buf, scope.nameStart, scope.nameEnd);
  copyUtf8String(scopePart, r.buf, scope.versionStart, scope.versionEnd);
  rowMiddle = scopePart.buf.subarray(0, scopePart.pos);
  for (let pi = 0; pi < spanRanges.count; pi++) {
    encodeSpan(r, w, spanRanges.data[pi * 2], spanRanges.data[pi * 2 + 1], pi, st);
  }
}

/** Validates an InstrumentationScope and keeps where its name and version are (a repeated scope replaces the earlier one). */
function locateScope(r: WireReader, end: number): void {
  scope.nameStart = scope.nameEnd = scope.versionStart = scope.versionEnd = 0;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 || field === 2) {
      expectWireType(wt, WIRE_LEN, field, 'InstrumentationScope');
      const fieldEnd = readFieldEnd(r, end);
      if (field === 1) {
        scope.nameStart = r.pos;
        scope.nameEnd = fieldEnd;
      } else {
        scope.versionStart = r.pos;
        scope.versionEnd = fieldEnd;
      }
      r.pos = fieldEnd;
    } else if (field === 3) {
      expectWireType(wt, WIRE_LEN, field, 'InstrumentationScope');
      skipKeyValue(r, readFieldEnd(r, end), 0);
    } else if (field === 4) {
      expectWireType(wt, WIRE_VARINT, field, 'InstrumentationScope');
      readVarint32(r, end);
    } else skipTag(r, wt, end, field);
  }
}

function encodeSpan(r: WireReader, w: RowBinaryWriter, start: number, end: number, pi: number, st: RequestState): void {
  // Pass 1 locates every field and parses attributes, events and links into tables, validating as
  // the model decoder would; pass 2 writes the row in column order.
  locateSpanFields(r, start, end);
  events.count = 0;
  for (let i = 0; i < eventRanges.count; i++) parseEvent(r, eventRanges.data[i * 2], eventRanges.data[i * 2 + 1]);
  links.count = 0;
  for (let i = 0; i < linkRanges.count; i++) parseLink(r, linkRanges.data[i * 2], linkRanges.data[i * 2 + 1]);
  const problem = spanProblem(measureSpan(r.buf));
  if (problem !== undefined) {
    st.rejected++;
    recordRejection(st.rejections, st.resourceIndex, st.scopeIndex, pi, problem);
    return;
  }
  writeSpanColumns(r, w, st);
  writeEventColumns(r, w, st);
  writeLinkColumns(r, w, st);
  st.rows++;
}

/** Fills `span` (the last occurrence of a field wins), the span's attributes and its event and link ranges. */
function locateSpanFields(r: WireReader, start: number, end: number): void {
  r.pos = start;
  attributes.count = 0;
  eventRanges.count = 0;
  linkRanges.count = 0;
  const f = span;
  f.traceIdStart = f.traceIdEnd = f.spanIdStart = f.spanIdEnd = f.traceStateStart = f.traceStateEnd = 0;
  f.parentStart = f.parentEnd = f.nameStart = f.nameEnd = f.kind = 0;
  f.startAt = f.endAt = -1;
  f.statusCode = f.messageStart = f.messageEnd = 0;
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
          f.traceIdStart = r.pos;
          f.traceIdEnd = fieldEnd;
        } else if (field === 2) {
          f.spanIdStart = r.pos;
          f.spanIdEnd = fieldEnd;
        } else if (field === 3) {
          f.traceStateStart = r.pos;
          f.traceStateEnd = fieldEnd;
        } else if (field === 4) {
          f.parentStart = r.pos;
          f.parentEnd = fieldEnd;
        } else {
          f.nameStart = r.pos;
          f.nameEnd = fieldEnd;
        }
        r.pos = fieldEnd;
        break;
      }
      case 6:
        expectWireType(wt, WIRE_VARINT, field, 'Span');
        f.kind = readVarint32(r, end);
        break;
      case 7:
        expectWireType(wt, WIRE_FIXED64, field, 'Span');
        f.startAt = skipFixed(r, end, 8, 'fixed64');
        break;
      case 8:
        expectWireType(wt, WIRE_FIXED64, field, 'Span');
        f.endAt = skipFixed(r, end, 8, 'fixed64');
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
      case 15:
        expectWireType(wt, WIRE_LEN, field, 'Span');
        locateStatus(r, readFieldEnd(r, end));
        break;
      case 16:
        expectWireType(wt, WIRE_FIXED32, field, 'Span');
        skipFixed(r, end, 4, 'fixed32');
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  f.attributeCount = attributes.count;
}

/** A repeated status replaces the earlier one: code and message start over. */
function locateStatus(r: WireReader, end: number): void {
  const f = span;
  f.statusCode = f.messageStart = f.messageEnd = 0;
  while (r.pos < end) {
    const tag = readTag(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 2) {
      expectWireType(wt, WIRE_LEN, field, 'Status');
      const fieldEnd = readFieldEnd(r, end);
      f.messageStart = r.pos;
      f.messageEnd = fieldEnd;
      r.pos = fieldEnd;
    } else if (field === 3) {
      expectWireType(wt, WIRE_VARINT, field, 'Status');
      f.statusCode = readVarint32(r, end);
    } else skipTag(r, wt, end, field);
  }
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
  const o = addRow(links);
  const d = links.data;
  // Trace id, span id and trace state ranges: fields 1 to 3 at d[o + 2 * (field - 1)].
  for (let i = 0; i < 6; i++) d[o + i] = 0;
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
        d[o + (field - 1) * 2] = r.pos;
        d[o + (field - 1) * 2 + 1] = fieldEnd;
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
  d[o + 6] = firstAttribute;
  d[o + 7] = attributes.count - firstAttribute;
}

/** The located span's shape for spanProblem. */
function measureSpan(buf: Buffer): SpanShape {
  const f = span;
  const s = shape;
  s.traceIdLength = f.traceIdEnd - f.traceIdStart;
  s.traceIdAllZero = s.traceIdLength === 16 && allZero(buf, f.traceIdStart, 16);
  s.spanIdLength = f.spanIdEnd - f.spanIdStart;
  s.spanIdAllZero = s.spanIdLength === 8 && allZero(buf, f.spanIdStart, 8);
  s.parentSpanIdLength = f.parentEnd - f.parentStart;
  s.startMissing = f.startAt < 0 || allZero(buf, f.startAt, 8);
  // Past Int64 when the top bit is set; an absent end time is 0.
  s.beyondInt64 = (f.startAt >= 0 && buf[f.startAt + 7] >= 0x80) || (f.endAt >= 0 && buf[f.endAt + 7] >= 0x80);
  s.endBeforeStart = f.startAt >= 0 && (f.endAt < 0 || compareUint64(buf, f.endAt, f.startAt) < 0);
  return s;
}

/** Timestamp to StatusMessage: every column but the events' and links'. */
function writeSpanColumns(r: WireReader, w: RowBinaryWriter, st: RequestState): void {
  const buf = r.buf;
  const f = span;
  writeFewBytes(w, buf, f.startAt, 8);
  writeHexRange(w, buf, f.traceIdStart, f.traceIdEnd);
  writeHexRange(w, buf, f.spanIdStart, f.spanIdEnd);
  writeHexRange(w, buf, f.parentStart, f.parentEnd);
  copyUtf8String(w, buf, f.traceStateStart, f.traceStateEnd);
  copyUtf8String(w, buf, f.nameStart, f.nameEnd);
  const kind = KIND_STRINGS[f.kind < KIND_STRINGS.length ? f.kind : 0];
  writeFewBytes(w, kind, 0, kind.length);
  writeBytes(w, rowMiddle);
  writeAttributeMap(w, r, attributes, 0, f.attributeCount, st.limits, st.counters);
  writeDuration(w, buf, f.startAt, f.endAt);
  const status = STATUS_STRINGS[f.statusCode < STATUS_STRINGS.length ? f.statusCode : 0];
  writeFewBytes(w, status, 0, status.length);
  copyUtf8String(w, buf, f.messageStart, f.messageEnd);
}

/** Events.Timestamp, Events.Name, Events.Attributes. */
function writeEventColumns(r: WireReader, w: RowBinaryWriter, st: RequestState): void {
  const buf = r.buf;
  const ev = events.data;
  const n = events.count;
  writeVarUint(w, n);
  for (let i = 0; i < n; i++) {
    const at = ev[i * EVENT_STRIDE];
    // Absent, or beyond Int64 (the year 2262): 0, as model-rows.ts writes it.
    if (at < 0 || buf[at + 7] >= 0x80) writeFewBytes(w, ZERO_INT64, 0, 8);
    else writeFewBytes(w, buf, at, 8);
  }
  writeVarUint(w, n);
  for (let i = 0; i < n; i++) copyUtf8String(w, buf, ev[i * EVENT_STRIDE + 1], ev[i * EVENT_STRIDE + 2]);
  writeVarUint(w, n);
  for (let i = 0; i < n; i++) writeAttributeMap(w, r, attributes, ev[i * EVENT_STRIDE + 3], ev[i * EVENT_STRIDE + 4], st.limits, st.counters);
}

/** Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes. */
function writeLinkColumns(r: WireReader, w: RowBinaryWriter, st: RequestState): void {
  const buf = r.buf;
  const ln = links.data;
  const n = links.count;
  writeVarUint(w, n);
  for (let i = 0; i < n; i++) writeHexRange(w, buf, ln[i * LINK_STRIDE], ln[i * LINK_STRIDE + 1]);
  writeVarUint(w, n);
  for (let i = 0; i < n; i++) writeHexRange(w, buf, ln[i * LINK_STRIDE + 2], ln[i * LINK_STRIDE + 3]);
  writeVarUint(w, n);
  for (let i = 0; i < n; i++) copyUtf8String(w, buf, ln[i * LINK_STRIDE + 4], ln[i * LINK_STRIDE + 5]);
  writeVarUint(w, n);
  for (let i = 0; i < n; i++) writeAttributeMap(w, r, attributes, ln[i * LINK_STRIDE + 6], ln[i * LINK_STRIDE + 7], st.limits, st.counters);
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
