// Decodes an OTLP ExportTraceServiceRequest from protobuf bytes, written from the field numbers of
// opentelemetry/proto/{collector/trace,trace,common,resource}/v1 (no generated code, no .proto files).
// Transport-free: the HTTP and gRPC receivers both call decodeTraceRequestProtobuf.
import {
  EMPTY_BYTES,
  emptyResource,
  emptyScope,
  emptySpan,
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
  type SpanStatus,
} from './model.js';
import {
  expectWireType,
  readBytes,
  readDouble,
  readFixed32,
  readFixed64,
  readLengthEnd,
  readString,
  readVarint32,
  readVarint64,
  skipTag,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
  type ProtobufReader,
} from './protobuf-reader.js';

export interface DecodeOptions {
  /** AnyValue arrays/kvlists nested deeper than this are replaced by a marker string, not recursed into. */
  maxValueDepth?: number;
}

export const TOO_DEEP_MARKER = '[verdict: value nested too deeply]';
export const DEFAULT_MAX_VALUE_DEPTH = 32;

/** The reader with the request's value-depth limit: what the other OTLP decoders (logs) reuse. */
export interface Ctx extends ProtobufReader {
  maxDepth: number;
}

export function decodeTraceRequestProtobuf(body: Buffer, options: DecodeOptions = {}): ExportTraceServiceRequest {
  const r: Ctx = { buf: body, pos: 0, maxDepth: options.maxValueDepth ?? DEFAULT_MAX_VALUE_DEPTH };
  const end = body.length;
  const resourceSpans: ResourceSpans[] = [];
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWireType(wt, WIRE_LEN, field, 'ExportTraceServiceRequest');
      resourceSpans.push(decodeResourceSpans(r, readLengthEnd(r, end)));
    } else skipTag(r, wt, end, field);
  }
  return { resourceSpans };
}

/**
 * Decodes the KeyValue message at `buf[start, end)` as an attribute (value depth 0), for the fused
 * row encoder: it renders the rare kvlist, bytes or deeply nested value from the model.
 */
export function decodeKeyValueAt(buf: Buffer, start: number, end: number, options: DecodeOptions = {}): KeyValue {
  const r: Ctx = { buf, pos: start, maxDepth: options.maxValueDepth ?? DEFAULT_MAX_VALUE_DEPTH };
  return decodeKeyValue(r, end, 0);
}

function decodeResourceSpans(r: Ctx, end: number): ResourceSpans {
  let resource = emptyResource();
  const scopeSpans: ScopeSpans[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_LEN, field, 'ResourceSpans');
        resource = decodeResource(r, readLengthEnd(r, end));
        break;
      case 2:
        expectWireType(wt, WIRE_LEN, field, 'ResourceSpans');
        scopeSpans.push(decodeScopeSpans(r, readLengthEnd(r, end)));
        break;
      case 3:
        expectWireType(wt, WIRE_LEN, field, 'ResourceSpans');
        schemaUrl = readString(r, end);
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  return { resource, scopeSpans, schemaUrl };
}

export function decodeResource(r: Ctx, end: number): Resource {
  const res = emptyResource();
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWireType(wt, WIRE_LEN, field, 'Resource');
      res.attributes.push(decodeKeyValue(r, readLengthEnd(r, end), 0));
    } else if (field === 2) {
      expectWireType(wt, WIRE_VARINT, field, 'Resource');
      res.droppedAttributesCount = readVarint32(r, end);
    } else skipTag(r, wt, end, field);
  }
  return res;
}

function decodeScopeSpans(r: Ctx, end: number): ScopeSpans {
  let scope = emptyScope();
  const spans: Span[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_LEN, field, 'ScopeSpans');
        scope = decodeScope(r, readLengthEnd(r, end));
        break;
      case 2:
        expectWireType(wt, WIRE_LEN, field, 'ScopeSpans');
        spans.push(decodeSpan(r, readLengthEnd(r, end)));
        break;
      case 3:
        expectWireType(wt, WIRE_LEN, field, 'ScopeSpans');
        schemaUrl = readString(r, end);
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  return { scope, spans, schemaUrl };
}

export function decodeScope(r: Ctx, end: number): InstrumentationScope {
  const scope = emptyScope();
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_LEN, field, 'InstrumentationScope');
        scope.name = readString(r, end);
        break;
      case 2:
        expectWireType(wt, WIRE_LEN, field, 'InstrumentationScope');
        scope.version = readString(r, end);
        break;
      case 3:
        expectWireType(wt, WIRE_LEN, field, 'InstrumentationScope');
        scope.attributes.push(decodeKeyValue(r, readLengthEnd(r, end), 0));
        break;
      case 4:
        expectWireType(wt, WIRE_VARINT, field, 'InstrumentationScope');
        scope.droppedAttributesCount = readVarint32(r, end);
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  return scope;
}

function decodeSpan(r: Ctx, end: number): Span {
  const span: Span = emptySpan();
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_LEN, field, 'Span');
        span.traceId = readBytes(r, end);
        break;
      case 2:
        expectWireType(wt, WIRE_LEN, field, 'Span');
        span.spanId = readBytes(r, end);
        break;
      case 3:
        expectWireType(wt, WIRE_LEN, field, 'Span');
        span.traceState = readString(r, end);
        break;
      case 4:
        expectWireType(wt, WIRE_LEN, field, 'Span');
        span.parentSpanId = readBytes(r, end);
        break;
      case 5:
        expectWireType(wt, WIRE_LEN, field, 'Span');
        span.name = readString(r, end);
        break;
      case 6:
        expectWireType(wt, WIRE_VARINT, field, 'Span');
        span.kind = readVarint32(r, end);
        break;
      case 7:
        expectWireType(wt, WIRE_FIXED64, field, 'Span');
        span.startTimeUnixNano = readFixed64(r, end);
        break;
      case 8:
        expectWireType(wt, WIRE_FIXED64, field, 'Span');
        span.endTimeUnixNano = readFixed64(r, end);
        break;
      case 9:
        expectWireType(wt, WIRE_LEN, field, 'Span');
        span.attributes.push(decodeKeyValue(r, readLengthEnd(r, end), 0));
        break;
      case 10:
        expectWireType(wt, WIRE_VARINT, field, 'Span');
        span.droppedAttributesCount = readVarint32(r, end);
        break;
      case 11:
        expectWireType(wt, WIRE_LEN, field, 'Span');
        span.events.push(decodeEvent(r, readLengthEnd(r, end)));
        break;
      case 12:
        expectWireType(wt, WIRE_VARINT, field, 'Span');
        span.droppedEventsCount = readVarint32(r, end);
        break;
      case 13:
        expectWireType(wt, WIRE_LEN, field, 'Span');
        span.links.push(decodeLink(r, readLengthEnd(r, end)));
        break;
      case 14:
        expectWireType(wt, WIRE_VARINT, field, 'Span');
        span.droppedLinksCount = readVarint32(r, end);
        break;
      case 15:
        expectWireType(wt, WIRE_LEN, field, 'Span');
        span.status = decodeStatus(r, readLengthEnd(r, end));
        break;
      case 16:
        expectWireType(wt, WIRE_FIXED32, field, 'Span');
        span.flags = readFixed32(r, end);
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  return span;
}

function decodeEvent(r: Ctx, end: number): SpanEvent {
  const ev: SpanEvent = { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 };
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_FIXED64, field, 'Span.Event');
        ev.timeUnixNano = readFixed64(r, end);
        break;
      case 2:
        expectWireType(wt, WIRE_LEN, field, 'Span.Event');
        ev.name = readString(r, end);
        break;
      case 3:
        expectWireType(wt, WIRE_LEN, field, 'Span.Event');
        ev.attributes.push(decodeKeyValue(r, readLengthEnd(r, end), 0));
        break;
      case 4:
        expectWireType(wt, WIRE_VARINT, field, 'Span.Event');
        ev.droppedAttributesCount = readVarint32(r, end);
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  return ev;
}

function decodeLink(r: Ctx, end: number): SpanLink {
  const link: SpanLink = {
    traceId: EMPTY_BYTES,
    spanId: EMPTY_BYTES,
    traceState: '',
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
  };
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_LEN, field, 'Span.Link');
        link.traceId = readBytes(r, end);
        break;
      case 2:
        expectWireType(wt, WIRE_LEN, field, 'Span.Link');
        link.spanId = readBytes(r, end);
        break;
      case 3:
        expectWireType(wt, WIRE_LEN, field, 'Span.Link');
        link.traceState = readString(r, end);
        break;
      case 4:
        expectWireType(wt, WIRE_LEN, field, 'Span.Link');
        link.attributes.push(decodeKeyValue(r, readLengthEnd(r, end), 0));
        break;
      case 5:
        expectWireType(wt, WIRE_VARINT, field, 'Span.Link');
        link.droppedAttributesCount = readVarint32(r, end);
        break;
      case 6:
        expectWireType(wt, WIRE_FIXED32, field, 'Span.Link');
        link.flags = readFixed32(r, end);
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  return link;
}

function decodeStatus(r: Ctx, end: number): SpanStatus {
  const status: SpanStatus = { code: 0, message: '' };
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 2) {
      expectWireType(wt, WIRE_LEN, field, 'Status');
      status.message = readString(r, end);
    } else if (field === 3) {
      expectWireType(wt, WIRE_VARINT, field, 'Status');
      status.code = readVarint32(r, end);
    } else skipTag(r, wt, end, field);
  }
  return status;
}

export function decodeKeyValue(r: Ctx, end: number, depth: number): KeyValue {
  let key = '';
  let value: AnyValue = { kind: 'empty' };
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWireType(wt, WIRE_LEN, field, 'KeyValue');
      key = readString(r, end);
    } else if (field === 2) {
      expectWireType(wt, WIRE_LEN, field, 'KeyValue');
      value = decodeAnyValue(r, readLengthEnd(r, end), depth);
    } else skipTag(r, wt, end, field);
  }
  return { key, value };
}

export function decodeAnyValue(r: Ctx, end: number, depth: number): AnyValue {
  // oneof: the last field present wins, as protobuf specifies.
  let value: AnyValue = { kind: 'empty' };
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWireType(wt, WIRE_LEN, field, 'AnyValue');
        value = { kind: 'string', value: readString(r, end) };
        break;
      case 2:
        expectWireType(wt, WIRE_VARINT, field, 'AnyValue');
        value = { kind: 'bool', value: readVarint32(r, end) !== 0 };
        break;
      case 3:
        expectWireType(wt, WIRE_VARINT, field, 'AnyValue');
        value = { kind: 'int', value: readVarint64(r, end) };
        break;
      case 4:
        expectWireType(wt, WIRE_FIXED64, field, 'AnyValue');
        value = { kind: 'double', value: readDouble(r, end) };
        break;
      case 5:
      case 6: {
        expectWireType(wt, WIRE_LEN, field, 'AnyValue');
        const innerEnd = readLengthEnd(r, end);
        if (depth >= r.maxDepth) {
          r.pos = innerEnd;
          value = { kind: 'string', value: TOO_DEEP_MARKER };
        } else if (field === 5) {
          value = { kind: 'array', values: decodeArrayValue(r, innerEnd, depth + 1) };
        } else {
          value = { kind: 'kvlist', values: decodeKeyValueList(r, innerEnd, depth + 1) };
        }
        break;
      }
      case 7:
        expectWireType(wt, WIRE_LEN, field, 'AnyValue');
        value = { kind: 'bytes', value: readBytes(r, end) };
        break;
      default:
        skipTag(r, wt, end, field);
    }
  }
  return value;
}

function decodeArrayValue(r: Ctx, end: number, depth: number): AnyValue[] {
  const values: AnyValue[] = [];
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWireType(wt, WIRE_LEN, field, 'ArrayValue');
      values.push(decodeAnyValue(r, readLengthEnd(r, end), depth));
    } else skipTag(r, wt, end, field);
  }
  return values;
}

function decodeKeyValueList(r: Ctx, end: number, depth: number): KeyValue[] {
  const values: KeyValue[] = [];
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWireType(wt, WIRE_LEN, field, 'KeyValueList');
      values.push(decodeKeyValue(r, readLengthEnd(r, end), depth));
    } else skipTag(r, wt, end, field);
  }
  return values;
}
