// search: requests (one per trace) matching a filter in Verdict's filter language, newest first,
// paged with an opaque cursor.
import type { ClickHouseClient } from '@clickhouse/client';
import { filterSql, scopeSql } from './cohort.js';
import { QueryInputError, isoFromMs, num, queryRows, renderSql, round } from './run-query.js';
import { UNBOUNDED_TO_MS, type TimeRange } from './time-range.js';

export interface SearchOptions {
  filter?: string;
  service?: string;
  environment?: string;
  range?: TimeRange;
  /** Default 100, at most 10,000. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface TraceSummary {
  traceId: string;
  start: string | null;
  startUnixNano: string;
  service: string;
  name: string;
  durationMs: number;
  status: string;
  statusMessage: string;
  version: string;
  environment: string;
  sessionId: string;
  userId: string;
}

export interface SearchResult {
  traces: TraceSummary[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export const MAX_SEARCH_LIMIT = 10_000;

// Beyond every real trace id and timestamp: the first page's cursor.
const FIRST_PAGE = { ns: '9223372036854775807', trace: '\uffff' };

function decodeCursor(cursor: string | undefined): { ns: string; trace: string } {
  if (!cursor) return FIRST_PAGE;
  try {
    const [ns, trace] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (/^\d{1,19}$/.test(ns) && typeof trace === 'string') return { ns, trace };
  } catch {
    // fall through
  }
  throw new QueryInputError('cursor is not one returned by a previous search (pass nextCursor as it is)');
}

function encodeCursor(ns: string, trace: string): string {
  return Buffer.from(JSON.stringify([ns, trace])).toString('base64url');
}

export async function search(client: ClickHouseClient, options: SearchOptions = {}): Promise<SearchResult> {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw new QueryInputError(`limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}`);
  const scope = scopeSql({ service: options.service, environment: options.environment, range: options.range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS } });
  const filter = filterSql(options.filter?.trim() || undefined, scope, 'f_');
  const cursor = decodeCursor(options.cursor);
  const rows = await queryRows(client, renderSql('search', { scope: scope.sql, request: filter.sql }), {
    ...scope.params,
    ...filter.params,
    cursor_ns: cursor.ns,
    cursor_trace: cursor.trace,
    limit,
  });
  const traces = rows.map((r): TraceSummary => ({
    traceId: String(r.trace_id),
    start: isoFromMs(Number(BigInt(String(r.start_ns)) / 1_000_000n)),
    startUnixNano: String(r.start_ns),
    service: String(r.service),
    name: String(r.name),
    durationMs: round(num(r.duration_ms), 3),
    status: String(r.status),
    statusMessage: String(r.status_message),
    version: String(r.version),
    environment: String(r.environment),
    sessionId: String(r.session_id),
    userId: String(r.user_id),
  }));
  const last = traces[traces.length - 1];
  return { traces, nextCursor: traces.length === limit && last ? encodeCursor(last.startUnixNano, last.traceId) : null };
}
