// errors: the top error groups of each version (span name + message pattern), and with a baseline
// and a candidate, the candidate's errors next to their baseline counts — the new ones first.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { answer, defineQuestion, given, Iso, nullable, scopeOf, SCOPE_PARAMS } from './question.js';

import { scopeSql } from './cohort.js';
import { QueryInputError, isoFromMs, num, queryRows, renderSql } from './run-query.js';
import { UNBOUNDED_TO_MS, type TimeRange } from './time-range.js';

export interface ErrorsOptions {
  service?: string;
  environment?: string;
  /** Only this version (all versions when absent). */
  version?: string;
  /** With `candidate`: which of the candidate's errors the baseline never had. */
  baseline?: string;
  candidate?: string;
  range?: TimeRange;
  /** Groups per version (default 20). */
  limit?: number;
}

export const ErrorGroupSchema = answer({
  version: Type.String(),
  spanName: Type.String(),
  message: Type.String({ description: 'The message with numbers, UUIDs and long hex ids replaced by <n>, <uuid>, <id>.' }),
  example: Type.String({ description: 'One real message of the group.' }),
  count: Type.Integer(),
  requestErrors: Type.Integer({ description: 'How many of the failed spans were requests (the rest are child spans).' }),
  firstSeen: Iso(),
  lastSeen: Iso(),
  baselineCount: Type.Optional(Type.Integer({ description: "Comparison mode only: the same group's count in the baseline." })),
  isNew: Type.Optional(Type.Boolean({ description: 'Comparison mode only: the baseline never had this group.' })),
});
export type ErrorGroup = Static<typeof ErrorGroupSchema>;

export const ErrorsResultSchema = answer({
  errors: Type.Array(ErrorGroupSchema),
  newInCandidate: nullable(Type.Array(ErrorGroupSchema), ),
});
export type ErrorsResult = Static<typeof ErrorsResultSchema>;

export async function errors(client: ClickHouseClient, options: ErrorsOptions = {}): Promise<ErrorsResult> {
  if (Boolean(options.baseline) !== Boolean(options.candidate)) throw new QueryInputError('give both baseline and candidate, or neither');
  const scope = scopeSql({ service: options.service, environment: options.environment, range: options.range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS } });
  const limit = options.limit ?? 20;
  if (options.baseline && options.candidate) {
    const rows = await queryRows(client, renderSql('errors-new', { scope: scope.sql, span_scope: scope.spans }), {
      ...scope.params,
      baseline: options.baseline,
      candidate: options.candidate,
      limit,
    });
    const groups = rows.map((r) => ({ ...group(r), baselineCount: num(r.baseline_count), isNew: num(r.baseline_count) === 0 }));
    return { errors: groups, newInCandidate: groups.filter((g) => g.isNew) };
  }
  const params = { ...scope.params, limit, version: options.version ?? '' };
  const versions = options.version !== undefined ? 'AppVersion = {version:String}' : '1';
  const rows = await queryRows(client, renderSql('errors', { scope: scope.sql, span_scope: scope.spans, versions }), params);
  return { errors: rows.map(group), newInCandidate: null };
}

function group(r: Record<string, unknown>): ErrorGroup {
  return {
    version: String(r.version),
    spanName: String(r.span_name),
    message: String(r.pattern),
    example: String(r.example),
    count: num(r.count),
    requestErrors: num(r.request_errors),
    firstSeen: isoFromMs(r.first_ms),
    lastSeen: isoFromMs(r.last_ms),
  };
}

export const errorsQuestion = defineQuestion({
  name: 'errors',
  path: '/api/errors',
  summary: 'Top errors per version, and errors new in a candidate',
  description: "Failed spans grouped by version, span name and message pattern. With baseline and candidate: the candidate's error groups with their baseline counts, the new ones first.",
  params: Type.Object({
    ...SCOPE_PARAMS,
    version: Type.Optional(Type.String({ description: 'Only this version.' })),
    baseline: Type.Optional(Type.String({ description: 'With candidate: the version to find new errors against.' })),
    candidate: Type.Optional(Type.String({ description: 'With baseline: the version whose new errors to find.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20, description: 'Groups per version.' })),
  }),
  response: ErrorsResultSchema,
  run: (client, p) => errors(client, { ...scopeOf(p), version: given(p.version), baseline: given(p.baseline), candidate: given(p.candidate), limit: p.limit }),
});
