// Runs a user's own SQL against the store with the engine's read-only mode: no writes, no DDL, no
// file()/url()-style table functions, and no settings that would lift it. Enforcement is the
// engine's (readonly = 1 on the query), never an inspection of the text.
import type { ClickHouseClient } from '@clickhouse/client';

export interface SqlColumn {
  name: string;
  type: string;
}

export interface SqlResult {
  columns: SqlColumn[];
  rows: Record<string, unknown>[];
}

export class SqlError extends Error {
  readonly code = 'SQL_ERROR';
  constructor(message: string) {
    super(message);
    this.name = 'SqlError';
  }
}

export async function runReadOnlySql(client: ClickHouseClient, sql: string): Promise<SqlResult> {
  if (sql.trim() === '') throw new SqlError('the query is empty');
  try {
    const result = await client.query({ query: sql, format: 'JSON', clickhouse_settings: { readonly: '1' } });
    const body = await result.json<Record<string, unknown>>();
    return { columns: (body.meta ?? []) as SqlColumn[], rows: body.data as Record<string, unknown>[] };
  } catch (err) {
    throw new SqlError((err as Error).message);
  }
}
