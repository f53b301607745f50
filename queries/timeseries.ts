// Traffic over time: requests, error rate and request latency (p50, p95) per service, environment
// and version, in buckets sized to the range — what a chart of "how is each version doing, and
// since when" draws, and the overview's sparklines. Read from the rollups only.
import type { ClickHouseClient } from '@clickhouse/client';
import { seriesWindow } from './error-rate.js';
import { rollupSource } from './rollup.js';
import { num, queryRows, renderSql, round } from './run-query.js';
import type { TimeRange } from './time-range.js';

export interface TimeseriesOptions {
  service?: string;
  environment?: string;
  range?: TimeRange;
  /** Bucket size in seconds (one of BUCKET_SECONDS); automatic (at most about 200 buckets) when absent. */
  bucketSeconds?: number;
}

export interface TimeseriesPoint {
  time: string;
  requests: number;
  errors: number;
  errorRate: number;
  /** t-digest estimates merged from the rollup (within about 1 % of the exact value). */
  latencyMs: { p50: number; p95: number };
}

export interface TimeseriesSeries {
  service: string;
  environment: string;
  version: string;
  requests: number;
  errors: number;
  points: TimeseriesPoint[];
}

export interface TimeseriesResult {
  bucketSeconds: number;
  from: string;
  to: string;
  series: TimeseriesSeries[];
}

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
