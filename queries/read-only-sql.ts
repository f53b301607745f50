// Runs a user's own SQL against the store read-only. The engine enforces it: readonly = 1 on a
// session of its own, and the engine's parser decides what the text is (one query usable as a
// subquery); read-only-rules.ts covers what the embedded engine's readonly mode does not.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { astLines, refusal } from './read-only-rules.js';

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

/**
 * Settings on every users' query, in this order (the embedded connection applies them as session
 * SETs; readonly last, since after it nothing can be changed):
 * - enable_analyzer = 0: the new analyzer applies a subquery's SETTINGS without checking them, so
 *   `SELECT * FROM (SELECT … SETTINGS readonly = 0)` left readonly mode (ClickHouse issues 116028,
 *   pull 115397; measured on chDB 3.4.0); the old one refuses it.
 * - allow_introspection_functions = 0: no reading of the binary's symbols.
 * - readonly = 1: no writes, DDL, settings changes or table functions that reach files or hosts.
 */
export const READ_ONLY_SETTINGS: ClickHouseSettings = { enable_analyzer: 0, allow_introspection_functions: 0, readonly: '1' };

/** Why a query that parses alone cannot be a subquery: what the endpoint does not run. */
const NOT_A_QUERY =
  'refused in readonly mode: the SQL endpoint runs one SELECT query (WITH and UNION included); ' +
  'INSERT, DDL, SET, SHOW, DESCRIBE, KILL, SYSTEM, INTO OUTFILE and FORMAT are not accepted';

export async function runReadOnlySql(client: ClickHouseClient, sql: string): Promise<SqlResult> {
  if (sql.trim() === '') throw new SqlError('the query is empty');
  // 1. The engine parses the text as one statement (several are refused) and prints it back in
  //    canonical form: no comments, every literal and identifier quoted by the engine itself.
  const [[statement]] = await engine<[string]>(client, 'SELECT formatQuerySingleLine({sql:String})', { sql });
  // 2. As a subquery it can only be a query: INTO OUTFILE (written by clickhouse-local's client
  //    side, which readonly does not govern), KILL, SET and the rest no longer parse.
  const wrapped = `SELECT * FROM (\n${statement}\n)`;
  let tree: unknown[][];
  try {
    tree = await engine<unknown[]>(client, `EXPLAIN AST ${wrapped}`);
  } catch (err) {
    if (/syntax error/i.test((err as Error).message)) throw new SqlError(NOT_A_QUERY);
    throw err;
  }
  // 3. What readonly mode lets through in the embedded engine (file(), path-revealing system tables).
  const refused = refusal(astLines(tree.map((r) => String(r[0]))));
  if (refused) throw new SqlError(refused);
  try {
    const result = await client.query({ query: wrapped, format: 'JSON', clickhouse_settings: READ_ONLY_SETTINGS });
    const body = await result.json<Record<string, unknown>>();
    return { columns: (body.meta ?? []) as SqlColumn[], rows: body.data as Record<string, unknown>[] };
  } catch (err) {
    throw new SqlError((err as Error).message);
  }
}

async function engine<Row>(client: ClickHouseClient, query: string, params?: Record<string, unknown>): Promise<Row[]> {
  try {
    // exec, not query: query() appends a FORMAT clause, which EXPLAIN would take as part of the
    // query it explains; the output format is given as the default instead.
    const result = await client.exec({
      query,
      query_params: params,
      clickhouse_settings: { default_format: 'JSONCompactEachRow', ...READ_ONLY_SETTINGS },
    });
    const text = await streamText(result.stream);
    return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Row);
  } catch (err) {
    throw new SqlError((err as Error).message);
  }
}

async function streamText(stream: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}
