// Turns a decoded ExportTraceServiceRequest into otel_traces rows in RowBinary, validating each
// span on its own: a bad span is rejected (and counted for partial success), its neighbours kept.
// Column order and value conventions match the upstream ClickHouse exporter's traces table.
import { MAX_TIMESTAMP_NS, SPAN_KIND_NAMES, STATUS_NAMES } from '../../schema/otel-traces.js';
import { anyValueToString } from './any-value-string.js';
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

/** Partial-success messages name at most this many rejected spans. */
export const MAX_REJECTION_MESSAGES = 5;

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
          if (rejections.length < MAX_REJECTION_MESSAGES) {
            rejections.push(`resourceSpans[${ri}].scopeSpans[${si}].spans[${pi}]: ${problem}`);
          }
          continue;
        }
        writeSpanRow(w, span, resourcePart, ss.scope.name, ss.scope.version, limits, counters);
        rows++;
      }
    }
  }
  return { bytes: takeBytes(w), rows, rejected, rejections, ...counters };
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function validateSpan(span: Span): string | undefined {
  if (span.decodeProblem !== undefined) return span.decodeProblem;
  if (span.traceId.length !== 16 || isZero(span.traceId)) {
    return `invalid trace_id: expected 16 bytes, not all zero (got ${span.traceId.length} bytes)`;
  }
  if (span.spanId.length !== 8 || isZero(span.spanId)) {
    return `invalid span_id: expected 8 bytes, not all zero (got ${span.spanId.length} bytes)`;
  }
  if (span.parentSpanId.length !== 0 && span.parentSpanId.length !== 8) {
    return `invalid parent_span_id: expected empty or 8 bytes (got ${span.parentSpanId.length} bytes)`;
  }
  if (span.startTimeUnixNano === 0n) return 'start_time_unix_nano is missing';
  if (span.startTimeUnixNano > MAX_TIMESTAMP_NS || span.endTimeUnixNano > MAX_TIMESTAMP_NS) {
    return 'timestamp beyond the year 2262 cannot be stored';
  }
  if (span.endTimeUnixNano < span.startTimeUnixNano) return 'end_time_unix_nano is before start_time_unix_nano';
  return undefined;
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
