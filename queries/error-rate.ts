// Error rate over time per version, in buckets sized to the range (about 200 at most), for charts
// and for "since when?". Whole buckets only: the range is widened to bucket boundaries.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { answer, defineQuestion, FILTER_PARAM, given, Iso, listOf, nullable, oneOf, scopeOf, SCOPE_PARAMS, VERSIONS_PARAM } from './question.js';

import { cohortSql, scopeSql } from './cohort.js';
import { readsRaw, rollupSource, type Source } from './rollup.js';
import { QueryInputError, num, queryRows, renderSql } from './run-query.js';
import { alignRange, autoBucketSeconds, BUCKET_SECONDS, UNBOUNDED_TO_MS, type TimeRange } from './time-range.js';

export interface ErrorRateOptions {
  service?: string;
  environment?: string;
  /** Only these versions (all when absent). */
  versions?: string[];
  range?: TimeRange;
  /** Bucket size in seconds (one of BUCKET_SECONDS); automatic when absent. */
  bucketSeconds?: number;
  filter?: string;
  source?: Source;
}

export const ErrorRatePointSchema = answer({ time: Type.String({ format: 'date-time' }), requests: Type.Integer(), errors: Type.Integer(), errorRate: Type.Number() });
export type ErrorRatePoint = Static<typeof ErrorRatePointSchema>;

export const ErrorRateSeriesSchema = answer({
  version: Type.String(),
  requests: Type.Integer(),
  errors: Type.Integer(),
  errorRate: nullable(Type.Number()),
  points: Type.Array(ErrorRatePointSchema),
});
export type ErrorRateSeries = Static<typeof ErrorRateSeriesSchema>;

export const ErrorRateResultSchema = answer({
  source: oneOf(['rollup', 'raw'] as const),
  bucketSeconds: Type.Integer(),
  from: Iso(),
  to: Iso(),
  series: Type.Array(ErrorRateSeriesSchema),
});
export type ErrorRateResult = Static<typeof ErrorRateResultSchema>;

export async function errorRate(client: ClickHouseClient, options: ErrorRateOptions = {}): Promise<ErrorRateResult> {
  const { range, bucket } = await seriesWindow(client, options);
  const scope = { service: options.service, environment: options.environment, range };
  const raw = readsRaw(options.source, options.filter);
  let rows: Record<string, unknown>[];
  if (raw) {
    const s = scopeSql(scope);
    const cohort = cohortSql({ filter: options.filter }, s, 'f_');
    rows = await queryRows(client, renderSql('error-rate-raw', { scope: s.sql, traces: cohort.sql }), { ...s.params, ...cohort.params, bucket_s: bucket });
  } else {
    const source = rollupSource(scope, bucket);
    rows = await queryRows(client, renderSql('error-rate', source.fragments), { ...source.params, bucket_s: bucket });
  }
  const wanted = options.versions?.length ? new Set(options.versions) : null;
  const byVersion = new Map<string, ErrorRateSeries>();
  for (const r of rows) {
    const version = String(r.version);
    if (wanted && !wanted.has(version)) continue;
    let s = byVersion.get(version);
    if (!s) byVersion.set(version, (s = { version, requests: 0, errors: 0, errorRate: null, points: [] }));
    const requests = num(r.requests);
    const errors = num(r.errors);
    s.requests += requests;
    s.errors += errors;
    s.points.push({ time: new Date(num(r.t_ms)).toISOString(), requests, errors, errorRate: errors / requests });
  }
  const series = [...byVersion.values()];
  for (const s of series) s.errorRate = s.requests > 0 ? s.errors / s.requests : null;
  return {
    source: raw ? 'raw' : 'rollup',
    bucketSeconds: bucket,
    from: range.fromMs > 0 ? new Date(range.fromMs).toISOString() : null,
    to: range.toMs < UNBOUNDED_TO_MS ? new Date(range.toMs).toISOString() : null,
    series,
  };
}

/**
 * The range and bucket of a series: an open-ended range fitted to the data, the bucket checked (or
 * chosen for at most about 200 buckets), and the range widened to whole buckets.
 */
export async function seriesWindow(
  client: ClickHouseClient,
  options: { service?: string; environment?: string; range?: TimeRange; bucketSeconds?: number },
): Promise<{ range: TimeRange; bucket: number }> {
  let range = options.range;
  if (!range || range.fromMs === 0 || range.toMs >= UNBOUNDED_TO_MS) range = await dataRange(client, options, range);
  if (options.bucketSeconds !== undefined && !(BUCKET_SECONDS as readonly number[]).includes(options.bucketSeconds)) {
    throw new QueryInputError(`bucket must be one of ${BUCKET_SECONDS.join(', ')} seconds`);
  }
  const bucket = options.bucketSeconds ?? autoBucketSeconds(range);
  return { range: alignRange(range, bucket), bucket };
}

/** Fills an open-ended range from the data (the rollup's first/last span), so buckets fit what exists. */
export async function dataRange(client: ClickHouseClient, options: { service?: string; environment?: string }, range?: TimeRange): Promise<TimeRange> {
  const full = range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS };
  const source = rollupSource({ service: options.service, environment: options.environment, range: alignRange(full, 3600) });
  const [r] = await queryRows(client, renderSql('data-range', source.fragments), source.params);
  const first = num(r?.first_ms);
  const last = num(r?.last_ms);
  if (!first) return { fromMs: full.fromMs || Date.now() - 3_600_000, toMs: full.toMs < UNBOUNDED_TO_MS ? full.toMs : Date.now() };
  return {
    fromMs: full.fromMs > 0 ? full.fromMs : first,
    toMs: full.toMs < UNBOUNDED_TO_MS ? full.toMs : last + 1,
  };
}

export const errorRateQuestion = defineQuestion({
  name: 'error-rate',
  path: '/api/error-rate',
  summary: 'Error rate over time per version',
  description: 'Requests, errors and error rate per version and time bucket (automatic size: at most about 200 buckets).',
  params: Type.Object({
    ...SCOPE_PARAMS,
    versions: VERSIONS_PARAM,
    bucket: Type.Optional(Type.Integer({ enum: [...BUCKET_SECONDS], description: 'Bucket size in seconds.' })),
    filter: FILTER_PARAM,
  }),
  response: ErrorRateResultSchema,
  run: (client, p) => errorRate(client, { ...scopeOf(p), versions: listOf(p.versions), bucketSeconds: p.bucket, filter: given(p.filter) }),
});
