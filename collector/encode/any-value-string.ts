// Renders an OTLP AnyValue as the string the upstream ClickHouse exporter stores in attribute maps
// (pcommon Value.AsString): scalars as text, bytes as base64, arrays and kvlists as JSON text.
import type { AnyValue, KeyValue } from '../otlp/model.js';

export function anyValueToString(v: AnyValue): string {
  switch (v.kind) {
    case 'string':
      return v.value;
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int':
      return v.value.toString();
    case 'double':
      return String(v.value);
    case 'bytes':
      return Buffer.from(v.value.buffer, v.value.byteOffset, v.value.byteLength).toString('base64');
    case 'array':
    case 'kvlist':
      return toJson(v);
    default:
      return '';
  }
}

function toJson(v: AnyValue): string {
  switch (v.kind) {
    case 'string':
      return JSON.stringify(v.value);
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int':
      // Written as a JSON number with every digit, as the exporter does; no precision is lost in text.
      return v.value.toString();
    case 'double':
      return Number.isFinite(v.value) ? String(v.value) : 'null';
    case 'bytes':
      return JSON.stringify(anyValueToString(v));
    case 'array':
      return `[${v.values.map(toJson).join(',')}]`;
    case 'kvlist':
      return kvlistToJson(v.values);
    default:
      return 'null';
  }
}

function kvlistToJson(values: KeyValue[]): string {
  // Keys sorted and last duplicate winning, as Go's encoding of a map gives.
  const byKey = new Map<string, AnyValue>();
  for (const kv of values) byKey.set(kv.key, kv.value);
  const keys = [...byKey.keys()].sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${toJson(byKey.get(k)!)}`).join(',')}}`;
}
