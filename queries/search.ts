// search: requests (one per trace) matching a filter in Verdict's filter language, newest first,
// paged with an opaque cursor.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { answer, defineQuestion, FILTER_PARAM, given, Iso, nullable, scopeOf, SCOPE_PARAMS } from './question.js';

import { filterSql, scopeSql } from './cohort.js';
import { QueryInputError, isoFromMs, num, queryRows, renderSql, round } from './run-query.js';
import { dataRange } from './error-rate.js';
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

export const TraceSummarySchema = answer({
  traceId: Type.String(),
  start: Iso(),
  startUnixNano: Type.String(),
  service: Type.String(),
  name: Type.String(),
  durationMs: Type.Number(),
  status: Type.String(),
  statusMessage: Type.String(),
  version: Type.String(),
  environment: Type.String(),
  sessionId: Type.String(),
  userId: Type.String(),
});
export type TraceSummary = Static<typeof TraceSummarySchema>;

export const SearchResultSchema = answer({
  traces: Type.Array(TraceSummarySchema),
  nextCursor: nullable(Type.String({ description: 'Pass back as cursor for the next page; null on the last page.' })),
});
export type SearchResult = Static<typeof SearchResultSchema>;

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

/** How far back each step of a search looks: most searches fill a page from the latest hours. */
const WINDOWS_MS = [3_600_000, 6 * 3_600_000, 86_400_000, 7 * 86_400_000, 30 * 86_400_000, Infinity];

export async function search(client: ClickHouseClient, options: SearchOptions = {}): Promise<SearchResult> {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw new QueryInputError(`limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}`);
  const range = options.range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS };
  const filterText = options.filter?.trim() || undefined;
  const cursor = decodeCursor(options.cursor);
  // Compiled once (a bad filter fails before any query); its span sub-queries use the window's
  // scope parameters, which change per window.
  const scopeFor = (r: TimeRange) => scopeSql({ service: options.service, environment: options.environment, range: r });
  const filter = filterSql(filterText, scopeFor(range), 'f_');
  // Newest first without reading everything: the table is not sorted by time, so the search walks
  // back in growing windows (an hour, six hours, a day, …) from the newest span, and stops as soon as
  // a page is full. Each window prunes whole daily partitions.
  const latest = await dataRange(client, { service: options.service, environment: options.environment }, range);
  let upper = Math.min(range.toMs, latest.toMs + 1, cursor === FIRST_PAGE ? Infinity : Number(BigInt(cursor.ns) / 1_000_000n) + 1);
  const traces: TraceSummary[] = [];
  for (const width of WINDOWS_MS) {
    if (upper <= range.fromMs) break;
    const lower = Math.max(range.fromMs, upper - width);
    const scope = scopeFor({ fromMs: lower, toMs: upper });
    const rows = await queryRows(client, renderSql('search', { scope: scope.sql, traces: filter.sql }), {
      ...scope.params,
      ...filter.params,
      cursor_ns: cursor.ns,
      cursor_trace: cursor.trace,
      limit: limit - traces.length,
    });
    traces.push(...rows.map(summaryOf));
    if (traces.length >= limit) break;
    upper = lower;
  }
  const last = traces[traces.length - 1];
  return { traces, nextCursor: traces.length === limit && last ? encodeCursor(last.startUnixNano, last.traceId) : null };
}

function summaryOf(r: Record<string, unknown>): TraceSummary {
  return {
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
  };
}

export const searchQuestion = defineQuestion({
  name: 'search',
  path: '/api/traces',
  summary: 'Search traces with a filter',
  description: 'Requests (one per trace) matching the filter, newest first; pass nextCursor back as cursor for the next page.',
  params: Type.Object({
    ...SCOPE_PARAMS,
    filter: FILTER_PARAM,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEARCH_LIMIT, default: 100, description: 'Traces per page.' })),
    cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page.' })),
  }),
  response: SearchResultSchema,
  run: (client, p) => search(client, { ...scopeOf(p), filter: given(p.filter), limit: p.limit, cursor: given(p.cursor) }),
});
