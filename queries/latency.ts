// Latency distribution per version: log-spaced histogram buckets (shared by all versions, so the
// series plot on one axis) with each version's exact quantiles.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { answer, defineQuestion, FILTER_PARAM, given, listOf, scopeOf, SCOPE_PARAMS, VERSIONS_PARAM } from './question.js';

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

export const LatencyBucketSchema = answer({ lowerMs: Type.Number(), upperMs: Type.Number() });
export type LatencyBucket = Static<typeof LatencyBucketSchema>;

export const LatencySeriesSchema = answer({
  version: Type.String(),
  requests: Type.Integer(),
  latencyMs: answer({ p50: Type.Number(), p90: Type.Number(), p95: Type.Number(), p99: Type.Number() }),
  counts: Type.Array(Type.Integer(), { description: 'Requests per bucket, aligned with buckets.' }),
});
export type LatencySeries = Static<typeof LatencySeriesSchema>;

export const LatencyResultSchema = answer({ buckets: Type.Array(LatencyBucketSchema), series: Type.Array(LatencySeriesSchema) });
export type LatencyResult = Static<typeof LatencyResultSchema>;

export async function latency(client: ClickHouseClient, options: LatencyOptions = {}): Promise<LatencyResult> {
  const perDecade = options.bucketsPerDecade ?? 10;
  if (!Number.isInteger(perDecade) || perDecade < 1 || perDecade > 100) throw new QueryInputError('bucketsPerDecade must be an integer from 1 to 100');
  const scope = scopeSql({ service: options.service, environment: options.environment, range: options.range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS } });
  const cohort = cohortSql({ filter: options.filter }, scope, 'f_');
  let traces = cohort.sql;
  const params = { ...scope.params, ...cohort.params, per_decade: perDecade, versions: options.versions ?? [] };
  if (options.versions?.length) traces = `${traces} AND AppVersion IN {versions:Array(String)}`;
  const rows = await queryRows(client, renderSql('latency', { scope: scope.sql, traces }), params);
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

export const latencyQuestion = defineQuestion({
  name: 'latency',
  path: '/api/latency',
  summary: 'Latency distribution per version',
  description: 'Request-latency histogram per version on shared log-spaced buckets, with exact quantiles.',
  params: Type.Object({
    ...SCOPE_PARAMS,
    versions: VERSIONS_PARAM,
    bucketsPerDecade: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'Histogram buckets per factor of ten.' })),
    filter: FILTER_PARAM,
  }),
  response: LatencyResultSchema,
  run: (client, p) => latency(client, { ...scopeOf(p), versions: listOf(p.versions), bucketsPerDecade: p.bucketsPerDecade, filter: given(p.filter) }),
});
