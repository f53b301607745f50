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
  const fragments = { scope: scope.sql, request };
  const [histogram, quantiles] = [
    await queryRows(client, renderSql('latency', fragments), params),
    await queryRows(client, renderSql('latency-quantiles', fragments), params),
  ];
  if (histogram.length === 0) return { buckets: [], series: [] };
  const indexes = histogram.map((r) => num(r.bucket));
  const lo = Math.min(...indexes);
  const hi = Math.max(...indexes);
  const buckets: LatencyBucket[] = [];
  for (let i = lo; i <= hi; i++) buckets.push({ lowerMs: round(10 ** (i / perDecade), 6), upperMs: round(10 ** ((i + 1) / perDecade), 6) });
  const series = quantiles.map((q): LatencySeries => {
    const ns = (q.latency_ns as unknown[]).map((v) => round(num(v) / 1e6, 3));
    return { version: String(q.version), requests: num(q.requests), latencyMs: { p50: ns[0], p90: ns[1], p95: ns[2], p99: ns[3] }, counts: new Array(hi - lo + 1).fill(0) };
  });
  const byVersion = new Map(series.map((s) => [s.version, s]));
  for (const r of histogram) byVersion.get(String(r.version))!.counts[num(r.bucket) - lo] += num(r.requests);
  return { buckets, series };
}
