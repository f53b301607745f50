// The otel_traces row contract: the columns a writer fills, in the order a RowBinary row carries
// them, and the names the exporter writes for span kinds and statuses. Both encoders, the insert
// statements and the schema test read this one declaration; the derived (MATERIALIZED) columns are
// the engine's to compute and are not part of a row.

/** One stored column: its name in the table and its ClickHouse type. */
export interface ColumnContract {
  readonly name: string;
  readonly type: string;
}

/** The columns of an otel_traces row, in RowBinary order (the contrib ClickHouse exporter's table). */
export const OTEL_TRACES_COLUMNS: readonly ColumnContract[] = [
  { name: 'Timestamp', type: 'DateTime64(9)' },
  { name: 'TraceId', type: 'String' },
  { name: 'SpanId', type: 'String' },
  { name: 'ParentSpanId', type: 'String' },
  { name: 'TraceState', type: 'String' },
  { name: 'SpanName', type: 'LowCardinality(String)' },
  { name: 'SpanKind', type: 'LowCardinality(String)' },
  { name: 'ServiceName', type: 'LowCardinality(String)' },
  { name: 'ResourceAttributes', type: 'Map(LowCardinality(String), String)' },
  { name: 'ScopeName', type: 'String' },
  { name: 'ScopeVersion', type: 'String' },
  { name: 'SpanAttributes', type: 'Map(LowCardinality(String), String)' },
  { name: 'Duration', type: 'UInt64' },
  { name: 'StatusCode', type: 'LowCardinality(String)' },
  { name: 'StatusMessage', type: 'String' },
  { name: 'Events.Timestamp', type: 'Array(DateTime64(9))' },
  { name: 'Events.Name', type: 'Array(LowCardinality(String))' },
  { name: 'Events.Attributes', type: 'Array(Map(LowCardinality(String), String))' },
  { name: 'Links.TraceId', type: 'Array(String)' },
  { name: 'Links.SpanId', type: 'Array(String)' },
  { name: 'Links.TraceState', type: 'Array(String)' },
  { name: 'Links.Attributes', type: 'Array(Map(LowCardinality(String), String))' },
];

/** SpanKind as the exporter writes it, indexed by the OTLP enum value (out of range: the first). */
export const SPAN_KIND_NAMES: readonly string[] = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];

/** StatusCode as the exporter writes it, indexed by the OTLP enum value (out of range: the first). */
export const STATUS_NAMES: readonly string[] = ['Unset', 'Ok', 'Error'];

/** DateTime64(9) is an Int64 of nanoseconds: a span starting or ending later (the year 2262) cannot be stored. */
export const MAX_TIMESTAMP_NS = 2n ** 63n - 1n;

/** The column list of an INSERT, in row order (backquoted: the Nested columns have dots). */
export function insertColumnList(): string {
  return OTEL_TRACES_COLUMNS.map((c) => `\`${c.name}\``).join(', ');
}

/** The row structure for a table function reading RowBinary rows (file(), input()). */
export function rowStructure(): string {
  return OTEL_TRACES_COLUMNS.map((c) => `\`${c.name}\` ${c.type}`).join(', ');
}
