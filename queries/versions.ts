// versions: every version of each service and environment, with when it was seen, its commits,
// traffic, error rate and latency. Read from the rollups; from raw spans when a filter is given.
import type { ClickHouseClient } from '@clickhouse/client';
import { cohortSql, scopeSql } from './cohort.js';
import { rollupSource } from './rollup.js';
import { isoFromMs, num, queryRows, renderSql, round } from './run-query.js';
import { alignRange, UNBOUNDED_TO_MS, type TimeRange } from './time-range.js';

export type Source = 'auto' | 'rollup' | 'raw';

export interface VersionsOptions {
  service?: string;
  environment?: string;
  range?: TimeRange;
  /** Only requests matching this filter (reads raw spans). */
  filter?: string;
  /** `auto`: the rollups unless a filter needs raw spans. */
  source?: Source;
}

export interface VersionRow {
  service: string;
  environment: string;
  version: string;
  commits: string[];
  firstSeen: string | null;
  lastSeen: string | null;
  requests: number;
  errors: number;
  errorRate: number | null;
  /** Request latency quantiles; t-digest estimates from the rollups, exact from raw spans. */
  latencyMs: { p50: number; p90: number; p95: number; p99: number } | null;
  spansPerRequest: number | null;
  inputTokensPerRequest: number | null;
  outputTokensPerRequest: number | null;
}

export interface VersionsResult {
  source: 'rollup' | 'raw';
  versions: VersionRow[];
}

/** The whole minutes covering a range: the rollups' resolution, used by both sources so they agree. */
export function minuteRange(range: TimeRange | undefined): TimeRange {
  return alignRange(range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS }, 60);
}

export async function versions(client: ClickHouseClient, options: VersionsOptions = {}): Promise<VersionsResult> {
  const range = minuteRange(options.range);
  const scope = { service: options.service, environment: options.environment, range };
  const raw = options.source === 'raw' || (options.source !== 'rollup' && Boolean(options.filter));
  let rows: Record<string, unknown>[];
  if (raw) {
    const s = scopeSql(scope);
    const cohort = cohortSql({ filter: options.filter }, s, 'f_');
    rows = await queryRows(client, renderSql('versions-raw', { scope: s.sql, span: cohort.span, request: cohort.request }), { ...s.params, ...cohort.params });
  } else {
    const source = rollupSource(scope);
    rows = await queryRows(client, renderSql('versions', source.fragments), source.params);
  }
  return { source: raw ? 'raw' : 'rollup', versions: rows.map(versionRow) };
}

function versionRow(r: Record<string, unknown>): VersionRow {
  const requests = num(r.requests);
  const q = (r.latency_ns as unknown[]).map((v) => round(num(v) / 1e6, 3));
  const per = (v: unknown) => (requests > 0 ? num(v) / requests : null);
  return {
    service: String(r.service),
    environment: String(r.environment),
    version: String(r.version),
    commits: (r.commits as string[]) ?? [],
    firstSeen: isoFromMs(r.first_ms),
    lastSeen: isoFromMs(r.last_ms),
    requests,
    errors: num(r.errors),
    errorRate: requests > 0 ? num(r.errors) / requests : null,
    latencyMs: requests > 0 ? { p50: q[0], p90: q[1], p95: q[2], p99: q[3] } : null,
    spansPerRequest: per(r.spans),
    inputTokensPerRequest: per(r.input_tokens),
    outputTokensPerRequest: per(r.output_tokens),
  };
}
