// Latency distribution per version: log-spaced histogram buckets (shared by all versions, so the
// series plot on one axis) with each version's exact quantiles.
import type { ClickHouseClient } from '@clickhouse/client';
import { cohortSql, scopeSql } from './cohort.js';
import { QueryInputError, num, queryRows, renderSql, round } from './run-query.js';
import { UNBOUNDED_TO_MS, type TimeRange } from './time-range.js';

export interface LatencyOptions {
  service?: string;
  environment?: string;
  versions?: string[];
  range?: TimeRange;
  filter?: string;
  /** Buckets per factor of ten (default 10: each bucket about 26 % wider than the last). */
  bucketsPerDecade?: number;
}

export interface LatencyBucket {
  lowerMs: number;
  upperMs: number;
}

export interface LatencySeries {
  version: string;
  requests: number;
  latencyMs: { p50: number; p90: number; p95: number; p99: number };
  /** Requests per bucket, aligned with `buckets`. */
  counts: number[];
}

export interface LatencyResult {
  buckets: LatencyBucket[];
  series: LatencySeries[];
}

export async function latency(client: ClickHouseClient, options: LatencyOptions = {}): Promise<LatencyResult> {
  const perDecade = options.bucketsPerDecade ?? 10;
  if (!Number.isInteger(perDecade) || perDecade < 1 || perDecade > 100) throw new QueryInputError('bucketsPerDecade must be an integer from 1 to 100');
  const scope = scopeSql({ service: options.service, environment: options.environment, range: options.range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS } });
  const cohort = cohortSql({ filter: options.filter }, scope, 'f_');
  let request = cohort.request;
  const params = { ...scope.params, ...cohort.params, per_decade: perDecade, versions: options.versions ?? [] };
  if (options.versions?.length) request = `${request} AND AppVersion IN {versions:Array(String)}`;
  const rows = await queryRows(client, renderSql('latency', { scope: scope.sql, request }), params);
  if (rows.length === 0) return { buckets: [], series: [] };
  const histograms = rows.map((r) => {
    const [indexes, counts] = r.histogram as [unknown[], unknown[]];
    return new Map(indexes.map((i, k) => [num(i), num(counts[k])]));
  });
  const all = histograms.flatMap((h) => [...h.keys()]);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const buckets: LatencyBucket[] = [];
  for (let i = lo; i <= hi; i++) buckets.push({ lowerMs: round(10 ** (i / perDecade), 6), upperMs: round(10 ** ((i + 1) / perDecade), 6) });
  const series = rows.map((r, k): LatencySeries => {
    const ms = (r.latency_ns as unknown[]).map((v) => round(num(v) / 1e6, 3));
    const counts = buckets.map((_, i) => histograms[k].get(lo + i) ?? 0);
    return { version: String(r.version), requests: num(r.requests), latencyMs: { p50: ms[0], p90: ms[1], p95: ms[2], p99: ms[3] }, counts };
  });
  return { buckets, series };
}
