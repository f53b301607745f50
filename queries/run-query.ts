// Runs one of the question .sql files: fills its structural placeholders ({{name}}, produced only by
// Verdict's own code — cohort and filter compilers), and passes every value as a ClickHouse query
// parameter ({name:Type}). No setting travels with a query: on the embedded connection per-query
// settings become session settings that would outlive it (see collector/store.ts).
import type { ClickHouseClient } from '@clickhouse/client';
import { renderSqlFile } from '../schema/sql-files.js';

export type QueryParams = Record<string, unknown>;

/** A caller's input that cannot be answered as asked (bad parameter combination, unknown id format...). */
export class QueryInputError extends Error {
  readonly code = 'INVALID_QUERY_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'QueryInputError';
  }
}

/** The text of `queries/<name>.sql` with each `{{placeholder}}` replaced (see renderSqlFile). */
export function renderSql(name: string, fragments: Record<string, string> = {}): string {
  return renderSqlFile(`queries/${name}.sql`, fragments);
}

export async function queryRows<T = Record<string, unknown>>(client: ClickHouseClient, sql: string, params: QueryParams = {}): Promise<T[]> {
  const result = await client.query({ query: sql, format: 'JSONEachRow', query_params: params });
  return result.json<T>();
}

/** ClickHouse returns 64-bit integers as strings over HTTP and as numbers from chDB: accept both. */
export function num(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : Number(v);
}

/** Milliseconds since the epoch (as returned by toUnixTimestamp64Milli) to ISO 8601, or null for none. */
export function isoFromMs(v: unknown): string | null {
  const ms = num(v);
  return ms > 0 ? new Date(ms).toISOString() : null;
}

export function round(v: number, digits: number): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
