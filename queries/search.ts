// search: requests (one per trace) matching a filter in Verdict's filter language, newest first or in
// MLflow's order_by (queries/search-order.ts), paged with an opaque cursor.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { answer, defineQuestion, FILTER_PARAM, given, Iso, nullable, scopeOf, SCOPE_PARAMS } from './question.js';

import { filterSql, scopeSql } from './cohort.js';
import { QueryInputError, isoFromMs, num, queryRows, renderSql, round } from './run-query.js';
import { dataRange } from './error-rate.js';
import { afterSql, cursorValues, orderSql, orderText, parseOrderBy, validCursorValues, type SortKey } from './search-order.js';
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
  /** MLflow's order_by: `KEY [ASC|DESC]`, several separated by commas (default `timestamp_ms DESC`). */
  orderBy?: string;
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

interface Cursor {
  /** The sort values of the last row of the previous page, in the order's keys. */
  values: string[];
}

function decodeCursor(cursor: string | undefined, keys: SortKey[]): Cursor | undefined {
  if (!cursor) return undefined;
  const order = orderText(keys);
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    // A cursor of an earlier release: [start ns, trace id] of the default order.
    if (Array.isArray(decoded) && order === orderText(parseOrderBy(undefined)) && validCursorValues(keys, decoded)) return { values: decoded };
    const { o, v } = decoded as { o?: unknown; v?: unknown };
    if (o === order && validCursorValues(keys, v)) return { values: v };
    if (typeof o === 'string' && o !== order) throw new QueryInputError('cursor belongs to a search with another orderBy (pass the same orderBy with its nextCursor)');
  } catch (err) {
    if (err instanceof QueryInputError) throw err;
  }
  throw new QueryInputError('cursor is not one returned by a previous search (pass nextCursor as it is)');
}

function encodeCursor(keys: SortKey[], values: string[]): string {
  return Buffer.from(JSON.stringify({ o: orderText(keys), v: values })).toString('base64url');
}

/** How far each step of a search looks: most searches fill a page from the latest (or first) hours. */
const WINDOWS_MS = [3_600_000, 6 * 3_600_000, 86_400_000, 7 * 86_400_000, 30 * 86_400_000, Infinity];

export async function search(client: ClickHouseClient, options: SearchOptions = {}): Promise<SearchResult> {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw new QueryInputError(`limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}`);
  const range = options.range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS };
  const filterText = options.filter?.trim() || undefined;
  const keys = parseOrderBy(options.orderBy);
  const cursor = decodeCursor(options.cursor, keys);
  const after = afterSql(keys, cursor?.values);
  // Compiled once (a bad filter fails before any query); its span sub-queries use the window's
  // scope parameters, which change per window.
  const scopeFor = (r: TimeRange) => scopeSql({ service: options.service, environment: options.environment, range: r });
  const filter = filterSql(filterText, scopeFor(range), 'f_');
  const page = async (r: TimeRange, rows: number) => {
    const scope = scopeFor(r);
    const sql = renderSql('search', { scope: scope.sql, traces: filter.sql, after: after.sql, order: orderSql(keys) });
    return queryRows(client, sql, { ...scope.params, ...filter.params, ...after.params, limit: rows });
  };
  const traces: TraceSummary[] = [];
  let last: Record<string, unknown> | undefined;
  const take = (rows: Record<string, unknown>[]) => {
    traces.push(...rows.map(summaryOf));
    last = rows[rows.length - 1] ?? last;
  };
  if (keys[0].name !== 'timestamp_ms') {
    // Any other order needs every match of the range: one query, a top-N over the settled traces.
    take(await page(range, limit));
  } else {
    // In time order without reading everything: the table is not sorted by time, so the search walks
    // from the newest (or, ascending, the oldest) request in growing windows (an hour, six hours, a
    // day, …) and stops as soon as a page is full. Each window prunes whole daily partitions.
    const descending = keys[0].descending;
    const data = await dataRange(client, { service: options.service, environment: options.environment }, range);
    const cursorMs = cursor ? Number(BigInt(cursor.values[0]) / 1_000_000n) : undefined;
    let edge = descending
      ? Math.min(range.toMs, data.toMs + 1, cursorMs === undefined ? Infinity : cursorMs + 1)
      : Math.max(range.fromMs, data.fromMs, cursorMs ?? -Infinity);
    // Each window after the first is the next of WINDOWS_MS or, when the matches so far are sparse,
    // wider: as wide as the rate seen so far says the rest of the page needs, twice over. A window
    // without a single match reads everything left at once (a search matching nothing: two reads).
    let width = WINDOWS_MS[0];
    let covered = 0;
    for (let step = 0; step < WINDOWS_MS.length; step++) {
      if (descending ? edge <= range.fromMs : edge >= range.toMs) break;
      const window = descending ? { fromMs: Math.max(range.fromMs, edge - width), toMs: edge } : { fromMs: edge, toMs: Math.min(range.toMs, edge + width) };
      const rows = await page(window, limit - traces.length);
      take(rows);
      if (traces.length >= limit) break;
      covered += window.toMs - window.fromMs;
      edge = descending ? window.fromMs : window.toMs;
      const needed = traces.length === 0 ? Infinity : Math.ceil((2 * (limit - traces.length) * covered) / traces.length);
      width = Math.max(WINDOWS_MS[step + 1] ?? Infinity, needed);
    }
  }
  return { traces, nextCursor: traces.length === limit && last ? encodeCursor(keys, cursorValues(keys, last)) : null };
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
  description: 'Requests (one per trace) matching the filter, newest first or in orderBy; pass nextCursor back as cursor (with the same orderBy) for the next page.',
  params: Type.Object({
    ...SCOPE_PARAMS,
    filter: FILTER_PARAM,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEARCH_LIMIT, default: 100, description: 'Traces per page.' })),
    cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page.' })),
    orderBy: Type.Optional(
      Type.String({
        description:
          "MLflow's order_by: KEY [ASC|DESC], several separated by commas, e.g. 'execution_time_ms DESC'. Keys: timestamp_ms (timestamp), " +
          'execution_time_ms (execution_time, duration_ms), status, name, request_id (trace_id), version, environment, session, user, service; ' +
          'also after attributes. or trace. Default timestamp_ms DESC; ties are broken by timestamp_ms DESC, then request_id.',
      }),
    ),
  }),
  response: SearchResultSchema,
  run: (client, p) => search(client, { ...scopeOf(p), filter: given(p.filter), limit: p.limit, cursor: given(p.cursor), orderBy: given(p.orderBy) }),
});
