// sessions: the sessions of a version (turns, errors, duration), newest activity first; and one
// session's requests in order.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { answer, defineQuestion, FILTER_PARAM, given, Iso, scopeOf, SCOPE_PARAMS } from './question.js';

import { cohortSql, scopeSql } from './cohort.js';
import { isoFromMs, num, queryRows, renderSql, round } from './run-query.js';
import { UNBOUNDED_TO_MS, type TimeRange } from './time-range.js';

export interface SessionsOptions {
  service?: string;
  environment?: string;
  version?: string;
  filter?: string;
  range?: TimeRange;
  /** Default 100. */
  limit?: number;
}

export const SessionSummarySchema = answer({
  sessionId: Type.String(),
  turns: Type.Integer(),
  errors: Type.Integer(),
  firstSeen: Iso(),
  lastSeen: Iso(),
  durationMs: Type.Number(),
  users: Type.Array(Type.String()),
  versions: Type.Array(Type.String()),
  services: Type.Array(Type.String()),
  costUsd: Type.Number({ description: "The session's LLM cost (see docs/quality.md)." }),
});
export type SessionSummary = Static<typeof SessionSummarySchema>;

export const SessionTurnSchema = answer({
  traceId: Type.String(),
  start: Iso(),
  service: Type.String(),
  name: Type.String(),
  durationMs: Type.Number(),
  status: Type.String(),
  statusMessage: Type.String(),
  version: Type.String(),
  environment: Type.String(),
  userId: Type.String(),
  spans: Type.Integer(),
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  costUsd: Type.Number(),
  feedback: Type.Record(Type.String(), Type.Unknown(), { description: 'The live feedback on this turn by name (the latest per source; one value per name).' }),
});
export type SessionTurn = Static<typeof SessionTurnSchema>;

export const SessionDetailSchema = answer({
  sessionId: Type.String(),
  turns: Type.Integer(),
  errors: Type.Integer(),
  firstSeen: Iso(),
  lastSeen: Iso(),
  durationMs: Type.Number(),
  traces: Type.Array(SessionTurnSchema),
});
export type SessionDetail = Static<typeof SessionDetailSchema>;

export async function sessions(client: ClickHouseClient, options: SessionsOptions = {}): Promise<{ sessions: SessionSummary[] }> {
  const scope = scopeSql({ service: options.service, environment: options.environment, range: options.range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS } });
  const cohort = cohortSql({ version: options.version, filter: options.filter }, scope, 'f_');
  const rows = await queryRows(client, renderSql('sessions', { scope: scope.sql, traces: cohort.sql }), {
    ...scope.params,
    ...cohort.params,
    limit: options.limit ?? 100,
  });
  return {
    sessions: rows.map((r) => ({
      sessionId: String(r.session_id),
      turns: num(r.turns),
      errors: num(r.errors),
      firstSeen: isoFromMs(r.first_ms),
      lastSeen: isoFromMs(r.last_ms),
      durationMs: round(num(r.duration_ms), 3),
      users: r.users as string[],
      versions: r.versions as string[],
      services: r.services as string[],
      costUsd: num(r.cost_usd),
    })),
  };
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** One session's requests in time order; null when no request carries that session id. */
export async function session(client: ClickHouseClient, sessionId: string, options: { limit?: number } = {}): Promise<SessionDetail | null> {
  const rows = await queryRows(client, renderSql('session'), { session: sessionId, limit: options.limit ?? 1000 });
  if (rows.length === 0) return null;
  const traces = rows.map((r): SessionTurn => ({
    traceId: String(r.trace_id),
    start: isoFromMs(r.start_ms),
    service: String(r.service),
    name: String(r.name),
    durationMs: round(num(r.duration_ms), 3),
    status: String(r.status),
    statusMessage: String(r.status_message),
    version: String(r.version),
    environment: String(r.environment),
    userId: String(r.user_id),
    spans: num(r.spans),
    inputTokens: num(r.input_tokens),
    outputTokens: num(r.output_tokens),
    costUsd: num(r.cost_usd),
    feedback: Object.fromEntries(((r.feedback as Array<[string, string]>) ?? []).map(([name, value]) => [name, parseJson(value)])),
  }));
  const starts = rows.map((r) => num(r.start_ms));
  const ends = rows.map((r) => num(r.start_ms) + num(r.duration_ms));
  return {
    sessionId,
    turns: traces.length,
    errors: traces.filter((t) => t.status === 'Error').length,
    firstSeen: isoFromMs(Math.min(...starts)),
    lastSeen: isoFromMs(Math.max(...starts)),
    durationMs: round(Math.max(...ends) - Math.min(...starts), 3),
    traces,
  };
}

export const sessionsQuestion = defineQuestion({
  name: 'sessions',
  path: '/api/sessions',
  summary: 'Sessions, most recently active first',
  description: 'Per session: turns (requests), errors, first/last seen, duration, users, versions.',
  params: Type.Object({
    ...SCOPE_PARAMS,
    version: Type.Optional(Type.String({ description: 'Only requests of this version.' })),
    filter: FILTER_PARAM,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100, description: 'Sessions to return.' })),
  }),
  response: answer({ sessions: Type.Array(SessionSummarySchema) }),
  run: (client, p) => sessions(client, { ...scopeOf(p), version: given(p.version), filter: given(p.filter), limit: p.limit }),
});

export const sessionQuestion = defineQuestion({
  name: 'session',
  path: '/api/sessions/:id',
  summary: "One session's requests in order",
  description: "The session's requests (turns) in time order, each with its trace's span count and tokens.",
  params: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'Turns to return.' })) }),
  pathParams: Type.Object({ id: Type.String({ description: 'Session id.' }) }),
  response: SessionDetailSchema,
  notFound: 'no requests carry this session id',
  run: (client, p, path) => session(client, path.id, { limit: p.limit }),
});
