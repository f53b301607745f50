// Which rollup table answers a range, and the scope condition on it. verdict_rollup_1h serves
// ranges on whole hours (a month is 720 rows per key), verdict_rollup_1m everything else; both are
// fed by materialized views (schema/migrations/011_rollup_1m.sql) and hold the same sums.
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
  table: 'verdict_rollup_1h' | 'verdict_rollup_1m';
}

/** `bucketSeconds` is the series bucket, if any: an hourly table can only serve whole-hour buckets. */
export function rollupSource(scope: Scope, bucketSeconds?: number): RollupSource {
  const hourly = isAligned(scope.range, 3600) && (bucketSeconds === undefined || bucketSeconds % 3600 === 0);
  const table = hourly ? 'verdict_rollup_1h' : 'verdict_rollup_1m';
  const bucket = hourly ? 'Hour' : 'Minute';
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
