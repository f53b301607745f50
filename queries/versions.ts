// versions: every version of each service and environment, with when it was seen, its commits,
// traffic, error rate, latency, cost and feedback. Read from the rollups; from raw spans when a
// filter is given (feedback from the feedback rollups, or from the matching traces' assessments with a filter).
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
  /** Also each version's feedback (from the feedback rollups; with a filter, from the matching traces' assessments). */
  feedback?: boolean;
}

/** One feedback name of a version: boolean feedback as its rate of true, numeric as its mean. */
export const VersionFeedbackSchema = answer({
  name: Type.String(),
  type: Type.Union([Type.Literal('boolean'), Type.Literal('numeric')]),
  value: Type.Number({ description: 'Rate of true (boolean, 0–1) or mean score (numeric) of the live assessments (the latest per trace and source).' }),
  count: Type.Integer({ description: 'Live assessments counted.' }),
  coverage: nullable(Type.Number({ description: 'Share of the version\'s requests (traces) with this feedback.' })),
});
export type VersionFeedback = Static<typeof VersionFeedbackSchema>;

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
  feedback: Type.Optional(Type.Array(VersionFeedbackSchema, { description: 'With feedback=true: boolean and numeric feedback names (kind feedback), by name; categorical feedback is in compare.' })),
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
    'Each version with first/last seen, git commits, requests, error rate, latency quantiles (from the rollup latency histograms, within 0.5 %; exact from raw spans), spans and tokens per request, cost, and its feedback rates and means. From the rollups; from raw spans when a filter is given.',
  params: Type.Object({
    ...SCOPE_PARAMS,
    filter: FILTER_PARAM,
    // Asked for apart: it groups the live assessments of every trace in scope, seconds at millions of
    // assessments until a feedback rollup carries it, while the rest reads the rollups in milliseconds.
    feedback: Type.Optional(Type.Boolean({ description: "Also each version's feedback: rate of true (boolean) or mean (numeric) per feedback name, with its coverage. From the feedback rollups; with a filter, from the assessments of the matching traces (slower on large stores)." })),
  }),
  response: VersionsResultSchema,
  run: (client, p) => versions(client, { ...scopeOf(p), filter: given(p.filter), feedback: p.feedback === true }),
});

export async function versions(client: ClickHouseClient, options: VersionsOptions = {}): Promise<VersionsResult> {
  const range = minuteRange(options.range);
  const scope = { service: options.service, environment: options.environment, range };
  const raw = readsRaw(options.source, options.filter);
  const s = scopeSql(scope);
  const cohort = cohortSql({ filter: options.filter }, s, 'f_');
  const traceParams = { ...s.params, ...cohort.params };
  let rows: Promise<Record<string, unknown>[]>;
  let feedback: Promise<Record<string, unknown>[]> | undefined;
  if (raw) {
    rows = queryRows(client, renderSql('versions-raw', { scope: s.sql, traces: cohort.sql }), traceParams);
    if (options.feedback) feedback = queryRows(client, renderSql('versions-feedback', { scope: s.sql, traces: cohort.sql }), traceParams);
  } else {
    const source = rollupSource(scope);
    rows = queryRows(client, renderSql('versions', source.fragments), source.params);
    // The feedback rollup beside the span rollup it mirrors (same keys and time column).
    const feedbackRollup = `verdict_feedback_${source.table.slice('verdict_rollup_'.length)}`;
    if (options.feedback) feedback = queryRows(client, renderSql('versions-feedback-rollup', { feedback_rollup: feedbackRollup, scope: source.fragments.scope }), source.params);
  }
  const [versionRows, feedbackRows] = await Promise.all([rows, feedback]);
  const byVersion = new Map<string, Record<string, unknown>[]>();
  for (const f of feedbackRows ?? []) {
    const k = versionKey(f);
    byVersion.set(k, [...(byVersion.get(k) ?? []), f]);
  }
  return { source: raw ? 'raw' : 'rollup', versions: versionRows.map((r) => versionRow(r, feedbackRows && (byVersion.get(versionKey(r)) ?? []))) };
}

const versionKey = (r: Record<string, unknown>) => JSON.stringify([r.service, r.environment, r.version]);

function feedbackOf(f: Record<string, unknown>, requests: number): VersionFeedback {
  const types = (f.value_types as string[]) ?? [];
  return {
    name: String(f.name),
    // A name sent as true/false everywhere is a rate; any number among them makes it a mean.
    type: types.every((t) => t === 'boolean') ? 'boolean' : 'numeric',
    value: num(f.mean),
    count: num(f.n),
    coverage: requests > 0 ? num(f.traces) / requests : null,
  };
}

function versionRow(r: Record<string, unknown>, feedback: Record<string, unknown>[] | undefined): VersionRow {
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
    ...(feedback ? { feedback: feedback.map((f) => feedbackOf(f, requests)) } : {}),
  };
}
