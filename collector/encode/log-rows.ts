// Turns a decoded ExportLogsServiceRequest into otel_logs rows, as JSON lines (one object per
// record, the columns of schema/inserts/log-rows-*.sql), validating each record on its own: a bad
// one is rejected for partial success, its neighbours kept. Logs are few next to spans (evaluation
// events, app logs), so a text format is enough here; spans keep their RowBinary fast path.
import type { AnyValue, KeyValue } from '../otlp/model.js';
import type { ExportLogsServiceRequest } from '../otlp/logs-decoder.js';
import { anyValueToString } from './any-value-string.js';
import type { EncodeResult, SpanLimits } from './model-rows.js';

const seconds = (ns: bigint) => `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export function encodeLogRows(req: ExportLogsServiceRequest, limits: SpanLimits): EncodeResult {
  const lines: string[] = [];
  let rejected = 0;
  const rejections: string[] = [];
  const counters = { truncatedValues: 0, droppedAttributes: 0 };
  const text = (v: AnyValue): string => {
    const s = anyValueToString(v);
    if (s.length <= limits.maxAttributeValueLength) return s;
    counters.truncatedValues++;
    return s.slice(0, limits.maxAttributeValueLength);
  };
  const map = (kvs: KeyValue[]): Record<string, string> => {
    const out: Record<string, string> = {};
    kvs.forEach((kv, i) => {
      if (i >= limits.maxAttributesPerSpan) counters.droppedAttributes++;
      else out[kv.key] = text(kv.value);
    });
    return out;
  };
  const now = BigInt(Date.now()) * 1_000_000n;
  for (const rl of req.resourceLogs) {
    const resource = map(rl.resource.attributes);
    for (const sl of rl.scopeLogs) {
      const scope = map(sl.scope.attributes);
      for (const rec of sl.logRecords) {
        const problem = rec.traceId.length !== 0 && rec.traceId.length !== 16
          ? `trace id of ${rec.traceId.length} bytes (expected 16)`
          : rec.spanId.length !== 0 && rec.spanId.length !== 8
            ? `span id of ${rec.spanId.length} bytes (expected 8)`
            : rec.severityNumber > 24 ? `severity number ${rec.severityNumber} (expected 0–24)` : undefined;
        if (problem) {
          rejected++;
          if (rejections.length < 5) rejections.push(problem);
          continue;
        }
        const attributes = map(rec.attributes);
        lines.push(JSON.stringify({
          // Seconds with nine decimals: DateTime64(9) reads it exactly, in every placement.
          Timestamp: seconds(rec.timeUnixNano || rec.observedTimeUnixNano || now),
          TraceId: hex(rec.traceId),
          SpanId: hex(rec.spanId),
          TraceFlags: rec.flags & 0xff,
          SeverityText: rec.severityText,
          SeverityNumber: rec.severityNumber,
          ServiceName: resource['service.name'] ?? '',
          Body: rec.body.kind === 'empty' ? '' : text(rec.body),
          ResourceSchemaUrl: rl.schemaUrl,
          ResourceAttributes: resource,
          ScopeSchemaUrl: sl.schemaUrl,
          ScopeName: sl.scope.name,
          ScopeVersion: sl.scope.version,
          ScopeAttributes: scope,
          LogAttributes: attributes,
          // Older SDKs name the event in an attribute; the column is the convention's place.
          EventName: rec.eventName || attributes['event.name'] || '',
        }));
      }
    }
  }
  const bytes = Buffer.from(lines.length > 0 ? `${lines.join('\n')}\n` : '');
  return { bytes, rows: lines.length, rejected, rejections, ...counters };
}
