// Decodes an OTLP/JSON ExportTraceServiceRequest into the same model as the protobuf decoder,
// following the OTLP/JSON rules: hex ids, int64 as string or number, enums as integers (names are
// accepted too), bytes as base64, lowerCamelCase or original field names, unknown fields ignored.
// A malformed span is marked (decodeProblem) so the rest of the request is still stored.
import {
  EMPTY_BYTES,
  emptyResource,
  emptyScope,
  emptySpan,
  OtlpDecodeError,
  type AnyValue,
  type ExportTraceServiceRequest,
  type InstrumentationScope,
  type KeyValue,
  type Resource,
  type ResourceSpans,
  type ScopeSpans,
  type Span,
  type SpanEvent,
  type SpanLink,
} from './model.js';
import { DEFAULT_MAX_VALUE_DEPTH, TOO_DEEP_MARKER, type DecodeOptions } from './protobuf-decoder.js';

export type Json = Record<string, unknown>;

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

/** A span-level problem: the span is rejected through partial success, its neighbours are kept. */
class SpanProblem extends Error {}

export function decodeTraceRequestJson(body: string | Buffer, options: DecodeOptions = {}): ExportTraceServiceRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  const maxDepth = options.maxValueDepth ?? DEFAULT_MAX_VALUE_DEPTH;
  const root = asObject(doc, 'request');
  const rs = asArray(field(root, 'resourceSpans', 'resource_spans'), 'resourceSpans');
  return { resourceSpans: rs.map((r, i) => decodeResourceSpans(r, `resourceSpans[${i}]`, maxDepth)) };
}

export function field(o: Json, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined ? o[snake] : v;
}

export function asObject(v: unknown, path: string): Json {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new OtlpDecodeError(`${path}: expected an object, got ${describe(v)}`);
  return v as Json;
}

export function asArray(v: unknown, path: string): unknown[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${path}: expected an array, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}` : typeof v;
}

export function asString(v: unknown, path: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') throw new OtlpDecodeError(`${path}: expected a string, got ${describe(v)}`);
  return v;
}

export function asUint32(v: unknown, path: string): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new OtlpDecodeError(`${path}: expected an unsigned 32-bit integer, got ${describe(v)}`);
  }
  return n;
}

export function asInt64(v: unknown, path: string, signed: boolean): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) {
    const b = BigInt(v);
    if (signed ? b >= -(2n ** 63n) && b < 2n ** 63n : b >= 0n && b < 2n ** 64n) return b;
  } else if (typeof v === 'number' && Number.isInteger(v) && (signed || v >= 0) && Math.abs(v) < 2 ** 64) {
    // Senders that write nanosecond timestamps as bare JSON numbers lose precision above 2^53 in any
    // JSON parser; accepting the nearest value beats rejecting the span.
    return BigInt(v);
  }
  throw new OtlpDecodeError(`${path}: expected a ${signed ? '' : 'non-negative '}64-bit integer (number or decimal string), got ${describe(v)}`);
}

function asEnum(v: unknown, names: Record<string, number>, path: string): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && v in names) return names[v];
  throw new OtlpDecodeError(`${path}: expected an enum integer, got ${describe(v)}`);
}

function hexId(v: unknown, path: string): Uint8Array {
  const s = asString(v, path);
  if (s === '') return EMPTY_BYTES;
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new SpanProblem(`${path}: expected a hex string, got ${describe(s)}`);
  }
  return Buffer.from(s, 'hex');
}

function decodeResourceSpans(v: unknown, path: string, maxDepth: number): ResourceSpans {
  const o = asObject(v, path);
  const resourceJson = asObject(o.resource, `${path}.resource`);
  const resource: Resource = emptyResource();
  resource.attributes = decodeAttributes(resourceJson.attributes, `${path}.resource.attributes`, maxDepth);
  resource.droppedAttributesCount = asUint32(field(resourceJson, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.resource.droppedAttributesCount`);
  const scopeSpans = asArray(field(o, 'scopeSpans', 'scope_spans'), `${path}.scopeSpans`).map((s, i) =>
    decodeScopeSpans(s, `${path}.scopeSpans[${i}]`, maxDepth),
  );
  return { resource, scopeSpans, schemaUrl: asString(field(o, 'schemaUrl', 'schema_url'), `${path}.schemaUrl`) };
}

function decodeScopeSpans(v: unknown, path: string, maxDepth: number): ScopeSpans {
  const o = asObject(v, path);
  const scopeJson = asObject(o.scope, `${path}.scope`);
  const scope: InstrumentationScope = emptyScope();
  scope.name = asString(scopeJson.name, `${path}.scope.name`);
  scope.version = asString(scopeJson.version, `${path}.scope.version`);
  scope.attributes = decodeAttributes(scopeJson.attributes, `${path}.scope.attributes`, maxDepth);
  scope.droppedAttributesCount = asUint32(field(scopeJson, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.scope.droppedAttributesCount`);
  const spans = asArray(o.spans, `${path}.spans`).map((s, i) => decodeSpan(s, 'span', maxDepth));
  return { scope, spans, schemaUrl: asString(field(o, 'schemaUrl', 'schema_url'), `${path}.schemaUrl`) };
}

function decodeSpan(v: unknown, path: string, maxDepth: number): Span {
  const span: Span = emptySpan();
  try {
    const o = asObject(v, path);
    span.traceId = hexId(field(o, 'traceId', 'trace_id'), `${path}.traceId`);
    span.spanId = hexId(field(o, 'spanId', 'span_id'), `${path}.spanId`);
    span.traceState = asString(field(o, 'traceState', 'trace_state'), `${path}.traceState`);
    span.parentSpanId = hexId(field(o, 'parentSpanId', 'parent_span_id'), `${path}.parentSpanId`);
    span.flags = asUint32(o.flags, `${path}.flags`);
    span.name = asString(o.name, `${path}.name`);
    span.kind = asEnum(o.kind, SPAN_KINDS, `${path}.kind`);
    span.startTimeUnixNano = asInt64(field(o, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`, false);
    span.endTimeUnixNano = asInt64(field(o, 'endTimeUnixNano', 'end_time_unix_nano'), `${path}.endTimeUnixNano`, false);
    span.attributes = decodeAttributes(o.attributes, `${path}.attributes`, maxDepth);
    span.droppedAttributesCount = asUint32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.droppedAttributesCount`);
    span.events = asArray(o.events, `${path}.events`).map((e, i) => decodeEvent(e, `${path}.events[${i}]`, maxDepth));
    span.droppedEventsCount = asUint32(field(o, 'droppedEventsCount', 'dropped_events_count'), `${path}.droppedEventsCount`);
    span.links = asArray(o.links, `${path}.links`).map((l, i) => decodeLink(l, `${path}.links[${i}]`, maxDepth));
    span.droppedLinksCount = asUint32(field(o, 'droppedLinksCount', 'dropped_links_count'), `${path}.droppedLinksCount`);
    const status = asObject(o.status, `${path}.status`);
    span.status = {
      code: asEnum(status.code, STATUS_CODES, `${path}.status.code`),
      message: asString(status.message, `${path}.status.message`),
    };
  } catch (err) {
    if (err instanceof SpanProblem || err instanceof OtlpDecodeError) span.decodeProblem = err.message;
    else throw err;
  }
  return span;
}

function decodeEvent(v: unknown, path: string, maxDepth: number): SpanEvent {
  const o = asObject(v, path);
  return {
    timeUnixNano: asInt64(field(o, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`, false),
    name: asString(o.name, `${path}.name`),
    attributes: decodeAttributes(o.attributes, `${path}.attributes`, maxDepth),
    droppedAttributesCount: asUint32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.droppedAttributesCount`),
  };
}

function decodeLink(v: unknown, path: string, maxDepth: number): SpanLink {
  const o = asObject(v, path);
  return {
    traceId: hexId(field(o, 'traceId', 'trace_id'), `${path}.traceId`),
    spanId: hexId(field(o, 'spanId', 'span_id'), `${path}.spanId`),
    traceState: asString(field(o, 'traceState', 'trace_state'), `${path}.traceState`),
    attributes: decodeAttributes(o.attributes, `${path}.attributes`, maxDepth),
    droppedAttributesCount: asUint32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.droppedAttributesCount`),
    flags: asUint32(o.flags, `${path}.flags`),
  };
}

export function decodeAttributes(v: unknown, path: string, maxDepth: number): KeyValue[] {
  return asArray(v, path).map((kv, i) => decodeKeyValue(kv, `${path}[${i}]`, 0, maxDepth));
}

function decodeKeyValue(v: unknown, path: string, depth: number, maxDepth: number): KeyValue {
  const o = asObject(v, path);
  return { key: asString(o.key, `${path}.key`), value: decodeAnyValue(o.value, `${path}.value`, depth, maxDepth) };
}

export function decodeAnyValue(v: unknown, path: string, depth: number, maxDepth: number): AnyValue {
  const o = asObject(v, path);
  if (o.stringValue !== undefined || o.string_value !== undefined) {
    return { kind: 'string', value: asString(field(o, 'stringValue', 'string_value'), `${path}.stringValue`) };
  }
  const b = field(o, 'boolValue', 'bool_value');
  if (b !== undefined) {
    if (typeof b !== 'boolean') throw new OtlpDecodeError(`${path}.boolValue: expected a boolean, got ${describe(b)}`);
    return { kind: 'bool', value: b };
  }
  const i = field(o, 'intValue', 'int_value');
  if (i !== undefined) return { kind: 'int', value: asInt64(i, `${path}.intValue`, true) };
  const d = field(o, 'doubleValue', 'double_value');
  if (d !== undefined) return { kind: 'double', value: asDouble(d, `${path}.doubleValue`) };
  const bytes = field(o, 'bytesValue', 'bytes_value');
  if (bytes !== undefined) {
    const s = asString(bytes, `${path}.bytesValue`);
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) throw new OtlpDecodeError(`${path}.bytesValue: expected base64, got ${describe(s)}`);
    return { kind: 'bytes', value: Buffer.from(s, 'base64') };
  }
  const arr = field(o, 'arrayValue', 'array_value');
  const kv = field(o, 'kvlistValue', 'kvlist_value');
  if (arr !== undefined || kv !== undefined) {
    if (depth >= maxDepth) return { kind: 'string', value: TOO_DEEP_MARKER };
    if (arr !== undefined) {
      const values = asArray(asObject(arr, `${path}.arrayValue`).values, `${path}.arrayValue.values`);
      return { kind: 'array', values: values.map((x, n) => decodeAnyValue(x, `${path}.arrayValue.values[${n}]`, depth + 1, maxDepth)) };
    }
    const values = asArray(asObject(kv, `${path}.kvlistValue`).values, `${path}.kvlistValue.values`);
    return { kind: 'kvlist', values: values.map((x, n) => decodeKeyValue(x, `${path}.kvlistValue.values[${n}]`, depth + 1, maxDepth)) };
  }
  return { kind: 'empty' };
}

function asDouble(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  // Proto3 JSON writes non-finite doubles as strings; numeric strings are accepted too.
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw new OtlpDecodeError(`${path}: expected a number, got ${describe(v)}`);
}
