// Traffic over time: requests, error rate and request latency (p50, p95) per service, environment
// and version, in buckets sized to the range — what a chart of "how is each version doing, and
// since when" draws, and the overview's sparklines. Read from the rollups only.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { answer, defineQuestion, scopeOf, SCOPE_PARAMS } from './question.js';
import { seriesWindow } from './error-rate.js';
import { rollupSource } from './rollup.js';
import { num, queryRows, renderSql, round } from './run-query.js';
import { BUCKET_SECONDS, type TimeRange } from './time-range.js';

export interface TimeseriesOptions {
  service?: string;
  environment?: string;
  range?: TimeRange;
  /** Bucket size in seconds (one of BUCKET_SECONDS); automatic (at most about 200 buckets) when absent. */
  bucketSeconds?: number;
}

export const TimeseriesPointSchema = answer({
  time: Type.String({ format: 'date-time' }),
  requests: Type.Integer(),
  errors: Type.Integer(),
  errorRate: Type.Number(),
  latencyMs: answer({ p50: Type.Number(), p95: Type.Number() }, { description: 'Estimates from the rollup\'s latency histogram (within 1 % of the exact value).' }),
});
export type TimeseriesPoint = Static<typeof TimeseriesPointSchema>;

export const TimeseriesSeriesSchema = answer({
  service: Type.String(),
  environment: Type.String(),
  version: Type.String(),
  requests: Type.Integer(),
  errors: Type.Integer(),
  points: Type.Array(TimeseriesPointSchema),
});
export type TimeseriesSeries = Static<typeof TimeseriesSeriesSchema>;

export const TimeseriesResultSchema = answer({
  bucketSeconds: Type.Integer(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  series: Type.Array(TimeseriesSeriesSchema),
});
export type TimeseriesResult = Static<typeof TimeseriesResultSchema>;

export async function timeseries(client: ClickHouseClient, options: TimeseriesOptions = {}): Promise<TimeseriesResult> {
  const { range, bucket } = await seriesWindow(client, options);
  const source = rollupSource({ service: options.service, environment: options.environment, range }, bucket);
  const rows = await queryRows(client, renderSql('timeseries', source.fragments), { ...source.params, bucket_s: bucket });
  const byKey = new Map<string, TimeseriesSeries>();
  for (const r of rows) {
    const key = `${r.service}\u0000${r.environment}\u0000${r.version}`;
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { service: String(r.service), environment: String(r.environment), version: String(r.version), requests: 0, errors: 0, points: [] }));
    const requests = num(r.requests);
    const errors = num(r.errors);
    const q = r.latency_ns as unknown[];
    s.requests += requests;
    s.errors += errors;
    s.points.push({
      time: new Date(num(r.t_ms)).toISOString(),
      requests,
      errors,
      errorRate: errors / requests,
      latencyMs: { p50: round(num(q[0]) / 1e6, 3), p95: round(num(q[2]) / 1e6, 3) },
    });
  }
  return { bucketSeconds: bucket, from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString(), series: [...byKey.values()] };
}

export const timeseriesQuestion = defineQuestion({
  name: 'timeseries',
  path: '/api/timeseries',
  summary: 'Requests, error rate and latency over time per version',
  description:
    'Per service, environment and version: requests, errors, error rate and request latency p50/p95 per time bucket (automatic size: at most about 200 buckets). From the rollups.',
  params: Type.Object({ ...SCOPE_PARAMS, bucket: Type.Optional(Type.Integer({ enum: [...BUCKET_SECONDS], description: 'Bucket size in seconds.' })) }),
  response: TimeseriesResultSchema,
  run: (client, p) => timeseries(client, { ...scopeOf(p), bucketSeconds: p.bucket }),
});
