// Turns a decoded ExportTraceServiceRequest into otel_traces rows in RowBinary, validating each
// span on its own: a bad span is rejected (and counted for partial success), its neighbours kept.
// Column order and value conventions match the upstream ClickHouse exporter's traces table.
import { MAX_TIMESTAMP_NS, SPAN_KIND_NAMES, STATUS_NAMES } from '../../schema/otel-traces.js';
import { anyValueToString } from './any-value-string.js';
import { allZero, createSpanShape, recordRejection, spanProblem } from './span-validation.js';
import type { ExportTraceServiceRequest, KeyValue, Span } from '../otlp/model.js';
import {
  createRowBinaryWriter,
  takeBytes,
  writeBytes,
  writeHexString,
  writeInt64,
  writeString,
  writeUInt64,
  writeVarUint,
  type RowBinaryWriter,
} from './rowbinary-writer.js';

export interface SpanLimits {
  /** Attributes beyond this many on one span, event, link or resource are dropped and counted. */
  maxAttributesPerSpan: number;
  /** Attribute values longer than this many characters are truncated and counted. */
  maxAttributeValueLength: number;
}

export interface EncodedRows {
  /** RowBinary rows in otel_traces column order (schema/otel-traces.ts). */
  bytes: Buffer;
  rows: number;
}

export interface EncodeResult extends EncodedRows {
  rejected: number;
  /** Human-readable reasons for the first few rejected spans, for the partial-success message. */
  rejections: string[];
  truncatedValues: number;
  droppedAttributes: number;
}

export const DEFAULT_SPAN_LIMITS: SpanLimits = { maxAttributesPerSpan: 1024, maxAttributeValueLength: 64 * 1024 };

interface Counters {
  truncatedValues: number;
  droppedAttributes: number;
}

// One scratch writer per process: rows are encoded here, then copied out once per request.
const scratch = createRowBinaryWriter(1 << 20);
const prefixScratch = createRowBinaryWriter(1 << 12);

export function encodeSpanRows(req: ExportTraceServiceRequest, limits: SpanLimits = DEFAULT_SPAN_LIMITS): EncodeResult {
  const w = scratch;
  w.pos = 0;
  const counters: Counters = { truncatedValues: 0, droppedAttributes: 0 };
  let rows = 0;
  let rejected = 0;
  const rejections: string[] = [];
  for (let ri = 0; ri < req.resourceSpans.length; ri++) {
    const rs = req.resourceSpans[ri];
    // ServiceName and ResourceAttributes are the same for every span of a resource: encode them once.
    prefixScratch.pos = 0;
    let serviceName = '';
    for (const kv of rs.resource.attributes) if (kv.key === 'service.name') serviceName = anyValueToString(kv.value);
    writeString(prefixScratch, serviceName);
    writeAttributeMap(prefixScratch, rs.resource.attributes, limits, counters);
    const resourcePart = takeBytes(prefixScratch);
    for (let si = 0; si < rs.scopeSpans.length; si++) {
      const ss = rs.scopeSpans[si];
      for (let pi = 0; pi < ss.spans.length; pi++) {
        const span = ss.spans[pi];
        const problem = validateSpan(span);
        if (problem !== undefined) {
          rejected++;
          recordRejection(rejections, ri, si, pi, problem);
          continue;
        }
        writeSpanRow(w, span, resourcePart, ss.scope.name, ss.scope.version, limits, counters);
        rows++;
      }
    }
  }
  return { bytes: takeBytes(w), rows, rejected, rejections, ...counters };
}

const shape = createSpanShape();

function validateSpan(span: Span): string | undefined {
  if (span.decodeProblem !== undefined) return span.decodeProblem;
  const { traceId, spanId, startTimeUnixNano: start, endTimeUnixNano: end } = span;
  shape.traceIdLength = traceId.length;
  shape.traceIdAllZero = traceId.length === 16 && allZero(traceId, 0, 16);
  shape.spanIdLength = spanId.length;
  shape.spanIdAllZero = spanId.length === 8 && allZero(spanId, 0, 8);
  shape.parentSpanIdLength = span.parentSpanId.length;
  shape.startMissing = start === 0n;
  shape.beyondInt64 = start > MAX_TIMESTAMP_NS || end > MAX_TIMESTAMP_NS;
  shape.endBeforeStart = end < start;
  return spanProblem(shape);
}

function writeSpanRow(
  w: RowBinaryWriter,
  span: Span,
  resourcePart: Buffer,
  scopeName: string,
  scopeVersion: string,
  limits: SpanLimits,
  counters: Counters,
): void {
  writeInt64(w, span.startTimeUnixNano);
  writeHexString(w, span.traceId);
  writeHexString(w, span.spanId);
  writeHexString(w, span.parentSpanId);
  writeString(w, span.traceState);
  writeString(w, span.name);
  writeString(w, SPAN_KIND_NAMES[span.kind] ?? 'Unspecified');
  writeBytes(w, resourcePart);
  writeString(w, scopeName);
  writeString(w, scopeVersion);
  writeAttributeMap(w, span.attributes, limits, counters);
  writeUInt64(w, span.endTimeUnixNano - span.startTimeUnixNano);
  writeString(w, STATUS_NAMES[span.status.code] ?? 'Unset');
  writeString(w, span.status.message);

  const events = span.events;
  writeVarUint(w, events.length);
  for (const e of events) writeInt64(w, e.timeUnixNano > MAX_TIMESTAMP_NS ? 0n : e.timeUnixNano);
  writeVarUint(w, events.length);
  for (const e of events) writeString(w, e.name);
  writeVarUint(w, events.length);
  for (const e of events) writeAttributeMap(w, e.attributes, limits, counters);

  const links = span.links;
  writeVarUint(w, links.length);
  for (const l of links) writeHexString(w, l.traceId);
  writeVarUint(w, links.length);
  for (const l of links) writeHexString(w, l.spanId);
  writeVarUint(w, links.length);
  for (const l of links) writeString(w, l.traceState);
  writeVarUint(w, links.length);
  for (const l of links) writeAttributeMap(w, l.attributes, limits, counters);
}

function writeAttributeMap(w: RowBinaryWriter, attrs: KeyValue[], limits: SpanLimits, counters: Counters): void {
  let n = attrs.length;
  if (n > limits.maxAttributesPerSpan) {
    counters.droppedAttributes += n - limits.maxAttributesPerSpan;
    n = limits.maxAttributesPerSpan;
  }
  // Keys are unique per the OTLP spec; when a sender repeats one, the last value wins, as in the exporter.
  const dupes = hasDuplicateKeys(attrs, n);
  if (dupes) {
    const byKey = new Map<string, KeyValue>();
    for (let i = 0; i < n; i++) byKey.set(attrs[i].key, attrs[i]);
    attrs = [...byKey.values()];
    n = attrs.length;
  }
  writeVarUint(w, n);
  for (let i = 0; i < n; i++) {
    const kv = attrs[i];
    writeString(w, kv.key);
    let s = kv.value.kind === 'string' ? kv.value.value : anyValueToString(kv.value);
    if (s.length > limits.maxAttributeValueLength) {
      s = s.slice(0, limits.maxAttributeValueLength);
      counters.truncatedValues++;
    }
    writeString(w, s);
  }
}

function hasDuplicateKeys(attrs: KeyValue[], n: number): boolean {
  if (n < 2) return false;
  if (n <= 16) {
    for (let i = 1; i < n; i++) {
      const k = attrs[i].key;
      for (let j = 0; j < i; j++) if (attrs[j].key === k) return true;
    }
    return false;
  }
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    if (seen.has(attrs[i].key)) return true;
    seen.add(attrs[i].key);
  }
  return false;
}
