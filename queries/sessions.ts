// sessions: the sessions of a version (turns, errors, duration), newest activity first; and one
// session's requests in order.
import type { ClickHouseClient } from '@clickhouse/client';
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

export interface SessionSummary {
  sessionId: string;
  turns: number;
  errors: number;
  firstSeen: string | null;
  lastSeen: string | null;
  durationMs: number;
  users: string[];
  versions: string[];
  services: string[];
}

export interface SessionTurn {
  traceId: string;
  start: string | null;
  service: string;
  name: string;
  durationMs: number;
  status: string;
  statusMessage: string;
  version: string;
  environment: string;
  userId: string;
  spans: number;
  inputTokens: number;
  outputTokens: number;
}

export interface SessionDetail {
  sessionId: string;
  turns: number;
  errors: number;
  firstSeen: string | null;
  lastSeen: string | null;
  durationMs: number;
  traces: SessionTurn[];
}

export async function sessions(client: ClickHouseClient, options: SessionsOptions = {}): Promise<{ sessions: SessionSummary[] }> {
  const scope = scopeSql({ service: options.service, environment: options.environment, range: options.range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS } });
  const cohort = cohortSql({ version: options.version, filter: options.filter }, scope, 'f_');
  const rows = await queryRows(client, renderSql('sessions', { scope: scope.sql, request: cohort.request }), {
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
    })),
  };
}

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
