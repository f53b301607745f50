// versions: every version of each service and environment, with when it was seen, its commits,
// traffic, error rate and latency. Read from the rollups; from raw spans when a filter is given.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { cohortSql, scopeSql } from './cohort.js';
import { answer, defineQuestion, FILTER_PARAM, given, Iso, nullable, scopeOf, SCOPE_PARAMS } from './question.js';
import { minuteRange, readsRaw, rollupSource, type Source } from './rollup.js';
import { isoFromMs, num, queryRows, renderSql, round } from './run-query.js';
import type { TimeRange } from './time-range.js';

export interface VersionsOptions {
  service?: string;
  environment?: string;
  range?: TimeRange;
  /** Only requests matching this filter (reads raw spans). */
  filter?: string;
  /** `auto`: the rollups unless a filter needs raw spans. */
  source?: Source;
}

const LatencyQuantiles = answer({ p50: Type.Number(), p90: Type.Number(), p95: Type.Number(), p99: Type.Number() });

export const VersionRowSchema = answer({
  service: Type.String(),
  environment: Type.String(),
  version: Type.String(),
  commits: Type.Array(Type.String()),
  firstSeen: Iso(),
  lastSeen: Iso(),
  requests: Type.Integer(),
  errors: Type.Integer(),
  errorRate: nullable(Type.Number()),
  latencyMs: nullable(LatencyQuantiles),
  spansPerRequest: nullable(Type.Number()),
  inputTokensPerRequest: nullable(Type.Number()),
  outputTokensPerRequest: nullable(Type.Number()),
  costUsd: Type.Number({ description: 'Total cost of its LLM calls (priced at settle time; an app-reported cost wins).' }),
  costPerRequestUsd: nullable(Type.Number()),
  unpricedCalls: Type.Integer({ description: 'LLM calls whose model has no price: not in the cost.' }),
});
export type VersionRow = Static<typeof VersionRowSchema>;

export const VersionsResultSchema = answer({
  source: Type.Union([Type.Literal('rollup'), Type.Literal('raw')]),
  versions: Type.Array(VersionRowSchema),
});
export type VersionsResult = Static<typeof VersionsResultSchema>;

export const versionsQuestion = defineQuestion({
  name: 'versions',
  path: '/api/versions',
  summary: 'Versions of each service and environment',
  description:
    'Each version with first/last seen, git commits, requests, error rate, latency quantiles (t-digest estimates from the rollups, exact from raw spans), spans and tokens per request. From the rollups; from raw spans when a filter is given.',
  params: Type.Object({ ...SCOPE_PARAMS, filter: FILTER_PARAM }),
  response: VersionsResultSchema,
  run: (client, p) => versions(client, { ...scopeOf(p), filter: given(p.filter) }),
});

export async function versions(client: ClickHouseClient, options: VersionsOptions = {}): Promise<VersionsResult> {
  const range = minuteRange(options.range);
  const scope = { service: options.service, environment: options.environment, range };
  const raw = readsRaw(options.source, options.filter);
  let rows: Record<string, unknown>[];
  if (raw) {
    const s = scopeSql(scope);
    const cohort = cohortSql({ filter: options.filter }, s, 'f_');
    rows = await queryRows(client, renderSql('versions-raw', { scope: s.sql, traces: cohort.sql }), { ...s.params, ...cohort.params });
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
    costUsd: num(r.cost_usd),
    costPerRequestUsd: per(r.cost_usd),
    unpricedCalls: num(r.unpriced_calls),
  };
}
