// Which rollup table answers a range, and the scope condition on it: the coarsest one the range
// (and the series bucket) fits. verdict_rollup_1d serves ranges on whole UTC days (a month is 30
// rows per key), verdict_rollup_1h whole hours (720), verdict_rollup_1m everything else; all are
// fed by materialized views (schema/migrations/020_trace_attribution.sql, 050_rollup_1d.sql) and
// hold the same sums, so a question's cost follows the window asked, not the data kept.
import type { Scope } from './cohort.js';
import { renderSql, type QueryParams } from './run-query.js';
import { QUANTILE_LEVELS } from './statistics.js';
import { alignRange, isAligned, UNBOUNDED_TO_MS, type TimeRange } from './time-range.js';

/** Where a question reads: `auto` takes the rollups unless a filter needs raw spans' attributes. */
export type Source = 'auto' | 'rollup' | 'raw';

/** The one rule for every question: raw spans when asked, or when any filter is given (rollups have no attributes). */
export function readsRaw(source: Source | undefined, ...filters: Array<string | undefined>): boolean {
  return source === 'raw' || (source !== 'rollup' && filters.some((f) => Boolean(f)));
}

/** The whole minutes covering a range: the rollups' resolution, used by both sources so they agree. */
export function minuteRange(range: TimeRange | undefined): TimeRange {
  return alignRange(range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS }, 60);
}

export interface RollupSource {
  /** Structural fragments for a rollup query: table name, time column, scope condition, latency quantiles. */
  fragments: { rollup: string; bucket: string; scope: string; latency_quantiles: string };
  params: QueryParams;
  table: RollupTable;
}

export type RollupTable = 'verdict_rollup_1d' | 'verdict_rollup_1h' | 'verdict_rollup_1m';

/** Coarsest first: each table, its time column and the seconds one of its rows covers. */
const ROLLUPS: ReadonlyArray<{ table: RollupTable; bucket: string; seconds: number }> = [
  { table: 'verdict_rollup_1d', bucket: 'Day', seconds: 86_400 },
  { table: 'verdict_rollup_1h', bucket: 'Hour', seconds: 3_600 },
  { table: 'verdict_rollup_1m', bucket: 'Minute', seconds: 60 },
];

/** The coarsest rollup whose rows fit the range and the series bucket (`bucketSeconds`, if any). */
export function rollupFor(range: TimeRange | undefined, bucketSeconds?: number): (typeof ROLLUPS)[number] {
  const r = range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS };
  return ROLLUPS.find((t) => isAligned(r, t.seconds) && (bucketSeconds === undefined || bucketSeconds % t.seconds === 0)) ?? ROLLUPS[ROLLUPS.length - 1];
}

/** `bucketSeconds` is the series bucket, if any: an hourly table can only serve whole-hour buckets. */
export function rollupSource(scope: Scope, bucketSeconds?: number): RollupSource {
  const { table, bucket } = rollupFor(scope.range, bucketSeconds);
  const range = toMinutes(scope.range);
  const parts: string[] = [];
  const params: QueryParams = { from_ms: range.fromMs, to_ms: range.toMs };
  if (scope.service) {
    parts.push('ServiceName = {service:String}');
    params.service = scope.service;
  }
  if (scope.environment !== undefined) {
    parts.push('Environment = {environment:String}');
    params.environment = scope.environment;
  }
  parts.push(`${bucket} >= toDateTime(intDiv({from_ms:Int64}, 1000))`, `${bucket} < toDateTime(intDiv({to_ms:Int64}, 1000))`);
  params.quantiles = [...QUANTILE_LEVELS];
  return { fragments: { rollup: table, bucket, scope: parts.join(' AND '), latency_quantiles: latencyQuantiles('sumMap(Latency)') }, params, table };
}

/**
 * The latency quantiles (ns, at the `quantiles` parameter's levels) of a merged rollup histogram,
 * e.g. `sumMap(Latency)` or `sumMapIf(Latency, AppVersion = …)` (queries/latency-quantiles.sql).
 */
export function latencyQuantiles(histogram: string): string {
  return renderSql('latency-quantiles', { histogram });
}

/** A minute table cannot split a minute: a range is widened to whole minutes (callers align first). */
function toMinutes(range: TimeRange): TimeRange {
  return { fromMs: Math.floor(range.fromMs / 60_000) * 60_000, toMs: Math.ceil(range.toMs / 60_000) * 60_000 };
}

/** The scope condition on verdict_traces (service and environment; time is applied to each trace's start). */
export function traceScope(scope: Scope): { sql: string; params: QueryParams } {
  const parts: string[] = [];
  const params: QueryParams = {};
  if (scope.service) {
    parts.push('ServiceName = {service:String}');
    params.service = scope.service;
  }
  if (scope.environment !== undefined) {
    parts.push('Environment = {environment:String}');
    params.environment = scope.environment;
  }
  return { sql: parts.join(' AND ') || '1', params };
}
