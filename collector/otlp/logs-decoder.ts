// Decodes an OTLP ExportLogsServiceRequest (opentelemetry/proto/{collector/logs,logs}/v1) from
// protobuf bytes or OTLP/JSON, reusing the trace decoders' resource, scope and attribute parts.
// Transport-free: the HTTP (/v1/logs) and gRPC (LogsService/Export) receivers both call it.
import {
  asArray,
  asInt64,
  asObject,
  asString,
  asUint32,
  decodeAnyValue as decodeAnyValueJson,
  decodeAttributes,
  field,
} from './json-decoder.js';
import { EMPTY_BYTES, emptyResource, emptyScope, OtlpDecodeError, type AnyValue, type InstrumentationScope, type KeyValue, type Resource } from './model.js';
import { decodeAnyValue, decodeKeyValue, decodeResource, decodeScope, DEFAULT_MAX_VALUE_DEPTH, type Ctx, type DecodeOptions } from './protobuf-decoder.js';
import {
  expectWireType,
  readBytes,
  readFixed32,
  readFixed64,
  readLengthEnd,
  readString,
  readVarint32,
  skipTag,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
} from './protobuf-reader.js';

export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
  traceId: Uint8Array;
  spanId: Uint8Array;
  eventName: string;
}

export interface ScopeLogs {
  scope: InstrumentationScope;
  logRecords: LogRecord[];
  schemaUrl: string;
}

export interface ResourceLogs {
  resource: Resource;
  scopeLogs: ScopeLogs[];
  schemaUrl: string;
}

export interface ExportLogsServiceRequest {
  resourceLogs: ResourceLogs[];
}

const emptyRecord = (): LogRecord => ({
  timeUnixNano: 0n,
  observedTimeUnixNano: 0n,
  severityNumber: 0,
  severityText: '',
  body: { kind: 'empty' },
  attributes: [],
  droppedAttributesCount: 0,
  flags: 0,
  traceId: EMPTY_BYTES,
  spanId: EMPTY_BYTES,
  eventName: '',
});

/** Calls `each(field, wireType)` for every field of the message ending at `end`. */
function fields(r: Ctx, end: number, each: (field: number, wt: number) => void): void {
  while (r.pos < end) {
    const tag = readVarint32(r, end);
    each(tag >>> 3, tag & 7);
  }
}

export function decodeLogsRequestProtobuf(body: Buffer, options: DecodeOptions = {}): ExportLogsServiceRequest {
  const r: Ctx = { buf: body, pos: 0, maxDepth: options.maxValueDepth ?? DEFAULT_MAX_VALUE_DEPTH };
  const resourceLogs: ResourceLogs[] = [];
  fields(r, body.length, (f, wt) => {
    if (f !== 1) return skipTag(r, wt, body.length, f);
    expectWireType(wt, WIRE_LEN, f, 'ExportLogsServiceRequest');
    const end = readLengthEnd(r, body.length);
    const rl: ResourceLogs = { resource: emptyResource(), scopeLogs: [], schemaUrl: '' };
    fields(r, end, (f2, wt2) => {
      if (f2 === 1) {
        expectWireType(wt2, WIRE_LEN, f2, 'ResourceLogs');
        rl.resource = decodeResource(r, readLengthEnd(r, end));
      } else if (f2 === 2) {
        expectWireType(wt2, WIRE_LEN, f2, 'ResourceLogs');
        rl.scopeLogs.push(decodeScopeLogs(r, readLengthEnd(r, end)));
      } else if (f2 === 3) {
        expectWireType(wt2, WIRE_LEN, f2, 'ResourceLogs');
        rl.schemaUrl = readString(r, end);
      } else skipTag(r, wt2, end, f2);
    });
    resourceLogs.push(rl);
  });
  return { resourceLogs };
}

function decodeScopeLogs(r: Ctx, end: number): ScopeLogs {
  const sl: ScopeLogs = { scope: emptyScope(), logRecords: [], schemaUrl: '' };
  fields(r, end, (f, wt) => {
    if (f === 1) {
      expectWireType(wt, WIRE_LEN, f, 'ScopeLogs');
      sl.scope = decodeScope(r, readLengthEnd(r, end));
    } else if (f === 2) {
      expectWireType(wt, WIRE_LEN, f, 'ScopeLogs');
      sl.logRecords.push(decodeLogRecord(r, readLengthEnd(r, end)));
    } else if (f === 3) {
      expectWireType(wt, WIRE_LEN, f, 'ScopeLogs');
      sl.schemaUrl = readString(r, end);
    } else skipTag(r, wt, end, f);
  });
  return sl;
}

function decodeLogRecord(r: Ctx, end: number): LogRecord {
  const rec = emptyRecord();
  fields(r, end, (f, wt) => {
    switch (f) {
      case 1:
        expectWireType(wt, WIRE_FIXED64, f, 'LogRecord');
        rec.timeUnixNano = readFixed64(r, end);
        break;
      case 11:
        expectWireType(wt, WIRE_FIXED64, f, 'LogRecord');
        rec.observedTimeUnixNano = readFixed64(r, end);
        break;
      case 2:
        expectWireType(wt, WIRE_VARINT, f, 'LogRecord');
        rec.severityNumber = readVarint32(r, end);
        break;
      case 3:
        expectWireType(wt, WIRE_LEN, f, 'LogRecord');
        rec.severityText = readString(r, end);
        break;
      case 5:
        expectWireType(wt, WIRE_LEN, f, 'LogRecord');
        rec.body = decodeAnyValue(r, readLengthEnd(r, end), 0);
        break;
      case 6:
        expectWireType(wt, WIRE_LEN, f, 'LogRecord');
        rec.attributes.push(decodeKeyValue(r, readLengthEnd(r, end), 0));
        break;
      case 7:
        expectWireType(wt, WIRE_VARINT, f, 'LogRecord');
        rec.droppedAttributesCount = readVarint32(r, end);
        break;
      case 8:
        expectWireType(wt, WIRE_FIXED32, f, 'LogRecord');
        rec.flags = readFixed32(r, end);
        break;
      case 9:
        expectWireType(wt, WIRE_LEN, f, 'LogRecord');
        rec.traceId = readBytes(r, end);
        break;
      case 10:
        expectWireType(wt, WIRE_LEN, f, 'LogRecord');
        rec.spanId = readBytes(r, end);
        break;
      case 12:
        expectWireType(wt, WIRE_LEN, f, 'LogRecord');
        rec.eventName = readString(r, end);
        break;
      default:
        skipTag(r, wt, end, f);
    }
  });
  return rec;
}

function hexBytes(v: unknown, path: string): Uint8Array {
  const s = asString(v, path);
  if (s === '') return EMPTY_BYTES;
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new OtlpDecodeError(`${path}: expected a hex string`);
  return Buffer.from(s, 'hex');
}

const SEVERITIES: Record<string, number> = Object.fromEntries(
  ['UNSPECIFIED', 'TRACE', 'TRACE2', 'TRACE3', 'TRACE4', 'DEBUG', 'DEBUG2', 'DEBUG3', 'DEBUG4', 'INFO', 'INFO2', 'INFO3', 'INFO4', 'WARN', 'WARN2', 'WARN3', 'WARN4', 'ERROR', 'ERROR2', 'ERROR3', 'ERROR4', 'FATAL', 'FATAL2', 'FATAL3', 'FATAL4']
    .map((n, i) => [`SEVERITY_NUMBER_${n}`, i]),
);

export function decodeLogsRequestJson(body: string | Buffer, options: DecodeOptions = {}): ExportLogsServiceRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  const maxDepth = options.maxValueDepth ?? DEFAULT_MAX_VALUE_DEPTH;
  const root = asObject(doc, 'request');
  return {
    resourceLogs: asArray(field(root, 'resourceLogs', 'resource_logs'), 'resourceLogs').map((v, i) => {
      const path = `resourceLogs[${i}]`;
      const o = asObject(v, path);
      const rj = asObject(o.resource, `${path}.resource`);
      const resource = emptyResource();
      resource.attributes = decodeAttributes(rj.attributes, `${path}.resource.attributes`, maxDepth);
      return {
        resource,
        schemaUrl: asString(field(o, 'schemaUrl', 'schema_url'), `${path}.schemaUrl`),
        scopeLogs: asArray(field(o, 'scopeLogs', 'scope_logs'), `${path}.scopeLogs`).map((sv, j) => {
          const sp = `${path}.scopeLogs[${j}]`;
          const so = asObject(sv, sp);
          const sj = asObject(so.scope, `${sp}.scope`);
          const scope = emptyScope();
          scope.name = asString(sj.name, `${sp}.scope.name`);
          scope.version = asString(sj.version, `${sp}.scope.version`);
          scope.attributes = decodeAttributes(sj.attributes, `${sp}.scope.attributes`, maxDepth);
          return {
            scope,
            schemaUrl: asString(field(so, 'schemaUrl', 'schema_url'), `${sp}.schemaUrl`),
            logRecords: asArray(field(so, 'logRecords', 'log_records'), `${sp}.logRecords`).map((lv, k) => {
              const lp = `${sp}.logRecords[${k}]`;
              const lo = asObject(lv, lp);
              const sev = field(lo, 'severityNumber', 'severity_number');
              const rec = emptyRecord();
              rec.timeUnixNano = asInt64(field(lo, 'timeUnixNano', 'time_unix_nano'), `${lp}.timeUnixNano`, false);
              rec.observedTimeUnixNano = asInt64(field(lo, 'observedTimeUnixNano', 'observed_time_unix_nano'), `${lp}.observedTimeUnixNano`, false);
              rec.severityNumber = typeof sev === 'string' && sev in SEVERITIES ? SEVERITIES[sev] : asUint32(sev, `${lp}.severityNumber`);
              rec.severityText = asString(field(lo, 'severityText', 'severity_text'), `${lp}.severityText`);
              rec.body = lo.body === undefined ? { kind: 'empty' } : decodeAnyValueJson(lo.body, `${lp}.body`, 0, maxDepth);
              rec.attributes = decodeAttributes(lo.attributes, `${lp}.attributes`, maxDepth);
              rec.flags = asUint32(lo.flags, `${lp}.flags`);
              rec.traceId = hexBytes(field(lo, 'traceId', 'trace_id'), `${lp}.traceId`);
              rec.spanId = hexBytes(field(lo, 'spanId', 'span_id'), `${lp}.spanId`);
              rec.eventName = asString(field(lo, 'eventName', 'event_name'), `${lp}.eventName`);
              return rec;
            }),
          };
        }),
      };
    }),
  };
}
