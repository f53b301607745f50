// Users' own SQL, read-only: the one mechanism behind `verdict sql`, /api/sql and the
// ClickHouse-compatible endpoint. The engine decides what the text is (its parser prints one
// canonical statement, its parse tree is checked after parameters are substituted), the engine
// enforces readonly = 1 and the limits in a session of the query's own (store/user-sql.ts), and
// read-only-rules.ts covers what the embedded engine's readonly mode does not.
import { engineError, UserSqlError, type UserSqlCall, type UserSqlRunner } from '../store/user-sql.js';
import { astLines, functionCatalog, refusal, type FunctionCatalog, type Refusal } from './read-only-rules.js';

export interface SqlColumn {
  name: string;
  type: string;
}

export interface SqlResult {
  columns: SqlColumn[];
  rows: Record<string, unknown>[];
}

/** A refused or failed users' query, in ClickHouse's terms (code, name, `Code: N. DB::Exception: …` text). */
export class SqlError extends Error {
  readonly code = 'SQL_ERROR';
  constructor(
    message: string,
    readonly clickhouseCode: number,
    readonly clickhouseName: string,
  ) {
    super(message);
    this.name = 'SqlError';
  }
}

/** One users' query: its text and its parameters (`{name:Type}`, as ClickHouse's `param_<name>`). */
export interface UserQuery {
  sql: string;
  /** Values in ClickHouse's escaped text form, as the HTTP interface takes `param_<name>`. */
  params?: Readonly<Record<string, string>>;
}

/** A query that passed every check, ready to run. */
export interface PreparedQuery {
  /** What the engine runs: the canonical statement (a SELECT wrapped as a subquery). */
  statement: string;
  params: Readonly<Record<string, string>>;
  /** The query's own FORMAT clause, where the surface accepts one. */
  format?: string;
  /** SHOW and DESCRIBE answer whole; SELECTs stream. */
  whole: boolean;
}

export interface PrepareOptions {
  /** The ClickHouse endpoint takes `… FORMAT X`; /api/sql answers JSON and refuses it. */
  acceptFormat: boolean;
  /** The database unqualified names refer to (a data database; never `system`). */
  database?: string;
  signal?: AbortSignal;
}

const CODES = { READONLY: 164, ACCESS_DENIED: 497, UNKNOWN_FUNCTION: 46, SYNTAX_ERROR: 62, UNKNOWN_DATABASE: 81, BAD_ARGUMENTS: 36 } as const;

function sqlError(name: keyof typeof CODES, reason: string): SqlError {
  return new SqlError(`Code: ${CODES[name]}. DB::Exception: ${reason}. (${name})`, CODES[name], name);
}

const fromRefusal = (r: Refusal) => sqlError(r.error, r.reason);

/** Why a query that parses alone cannot be run here: what the endpoint does not run. */
const NOT_A_QUERY =
  'refused in readonly mode: users\' SQL is one SELECT query (WITH and UNION included), SHOW DATABASES, SHOW TABLES [FROM db] ' +
  'or DESCRIBE TABLE t; INSERT, DDL, SET, SETTINGS, KILL, SYSTEM, USE and INTO OUTFILE are not accepted';

/** Canonical identifiers as the engine prints them: bare, or in backquotes with escapes. */
const IDENT = '(?:[A-Za-z_][A-Za-z0-9_]*|`(?:[^`\\\\]|\\\\.)*`)';
/** The read-only statements other than SELECT that clients send on connecting, in canonical form. */
const SHOW_OR_DESCRIBE = new RegExp(`^(?:SHOW DATABASES|SHOW TABLES(?: FROM ${IDENT})?|DESCRIBE TABLE ${IDENT}(?:\\.${IDENT})?)$`);
/** The AST's first node for those statements. */
const SHOW_OR_DESCRIBE_AST = /^(ShowTables|DescribeQuery)\b/;
/** A trailing FORMAT clause in canonical form. */
const FORMAT_CLAUSE = /^([\s\S]+) FORMAT ([A-Za-z][A-Za-z0-9_]*)$/;
/** Databases whose tables show the engine rather than the data. */
const SYSTEM_DATABASES = new Set(['system', 'information_schema']);

/** Text as ClickHouse's escaped format reads it back exactly (for our own parameters). */
export function escapedParam(text: string): string {
  return text.replace(/[\\\t\n]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : '\\n'));
}

const catalogs = new WeakMap<UserSqlRunner, Promise<FunctionCatalog>>();

/** The engine's function catalogue, read once per runner. */
function catalogOf(runner: UserSqlRunner): Promise<FunctionCatalog> {
  let catalog = catalogs.get(runner);
  if (!catalog) {
    catalog = (async () => {
      const functions = await rowsOf<[string, string, string]>(runner, 'SELECT name, alias_to, categories FROM system.functions', {});
      const combinators = await rowsOf<[string]>(runner, 'SELECT name FROM system.aggregate_function_combinators', {});
      return functionCatalog(functions, combinators.map(([name]) => name));
    })();
    catalog.catch(() => catalogs.delete(runner));
    catalogs.set(runner, catalog);
  }
  return catalog;
}

/**
 * Checks a users' query and returns what to run. Refusals are SqlErrors naming the reason in
 * ClickHouse's terms (READONLY, ACCESS_DENIED, …); nothing the query says runs before they pass.
 */
export async function prepareUserSql(runner: UserSqlRunner, query: UserQuery, options: PrepareOptions): Promise<PreparedQuery> {
  if (query.sql.trim() === '') throw sqlError('BAD_ARGUMENTS', 'the query is empty');
  const params = query.params ?? {};
  const call = { signal: options.signal, database: options.database };
  if (options.database !== undefined) await checkDatabase(runner, options.database, options.signal);
  // 1. The engine parses the text as one statement (several are refused) and prints it back in
  //    canonical form: no comments, every literal and identifier quoted by the engine itself.
  const [[canonical]] = await rowsOf<[string]>(runner, 'SELECT formatQuerySingleLine({sql:String})', { sql: escapedParam(query.sql) }, call);
  // 2. A trailing FORMAT: taken off, if it is exactly what the canonical form ends with.
  let statement = canonical;
  let format: string | undefined;
  const withFormat = FORMAT_CLAUSE.exec(canonical);
  if (withFormat) {
    if (!options.acceptFormat) throw sqlError('READONLY', 'refused in readonly mode: FORMAT is not accepted here (answers are JSON); the ClickHouse endpoint takes it');
    // What is left must stand alone, unchanged (INSERT … FORMAT X does not).
    const again = await rowsOf<[string]>(runner, 'SELECT formatQuerySingleLine({sql:String})', { sql: escapedParam(withFormat[1]) }, call).catch(() => []);
    if (again[0]?.[0] !== withFormat[1]) throw sqlError('READONLY', NOT_A_QUERY);
    [statement, format] = [withFormat[1], withFormat[2]];
  }
  // 3. SHOW DATABASES / SHOW TABLES / DESCRIBE TABLE run as they are; anything else must be a
  //    query: as a subquery, INTO OUTFILE, KILL, SET and the rest no longer parse.
  const showOrDescribe = SHOW_OR_DESCRIBE.test(statement);
  const runnable = showOrDescribe ? statement : `SELECT * FROM (\n${statement}\n)`;
  let tree: string[];
  try {
    tree = (await rowsOf<[string]>(runner, `EXPLAIN AST ${runnable}`, params, call)).map((r) => r[0]);
  } catch (err) {
    if (err instanceof SqlError && err.clickhouseName === 'SYNTAX_ERROR') throw sqlError('READONLY', NOT_A_QUERY);
    throw err;
  }
  if (showOrDescribe && !SHOW_OR_DESCRIBE_AST.test(tree[0] ?? '')) throw sqlError('READONLY', NOT_A_QUERY);
  // 4. What readonly mode lets through in the embedded engine (file(), path-revealing system
  //    tables, host-revealing functions), on the tree with the parameters in place.
  const refused = refusal(astLines(tree), await catalogOf(runner), runner.hostRevealingFunctions);
  if (refused) throw fromRefusal(refused);
  return { statement: runnable, params, format, whole: showOrDescribe };
}

/** Runs a prepared query; the engine's output in `call.format`, chunk by chunk. */
export async function* streamUserSql(runner: UserSqlRunner, prepared: PreparedQuery, call: Omit<UserSqlCall, 'params'>): AsyncGenerator<Uint8Array> {
  try {
    yield* runner.stream(prepared.statement, { ...call, params: prepared.params, whole: prepared.whole });
  } catch (err) {
    throw asSqlError(err);
  }
}

/** `verdict sql` and /api/sql: one query, its columns and rows as JSON. */
export async function runReadOnlySql(runner: UserSqlRunner, query: UserQuery, options: { signal?: AbortSignal } = {}): Promise<SqlResult> {
  const prepared = await prepareUserSql(runner, query, { acceptFormat: false, signal: options.signal });
  const chunks: Uint8Array[] = [];
  for await (const chunk of streamUserSql(runner, prepared, { format: 'JSON', signal: options.signal })) chunks.push(chunk);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { meta?: SqlColumn[]; data?: Record<string, unknown>[] };
  return { columns: body.meta ?? [], rows: body.data ?? [] };
}

async function checkDatabase(runner: UserSqlRunner, database: string, signal?: AbortSignal): Promise<void> {
  const known = await rowsOf<[string]>(runner, 'SELECT name FROM system.databases WHERE name = {db:String}', { db: escapedParam(database) }, { signal });
  if (known.length === 0) throw sqlError('UNKNOWN_DATABASE', `Database ${database} does not exist`);
  if (SYSTEM_DATABASES.has(database.toLowerCase())) {
    throw sqlError('ACCESS_DENIED', `database ${database} is not available as the current database in readonly mode; name its tables as ${database}.<table>`);
  }
}

/** Rows of one of the sandbox's own engine calls, in the users' session (read-only, limited). */
async function rowsOf<Row>(runner: UserSqlRunner, sql: string, params: Readonly<Record<string, string>>, call: Partial<UserSqlCall> = {}): Promise<Row[]> {
  let text: string;
  try {
    text = await runner.text(sql, { ...call, params, format: 'JSONCompactEachRow' });
  } catch (err) {
    throw asSqlError(err);
  }
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Row);
}

/** The collector's setting behind each limit the engine enforces, named in the error. */
const LIMIT_SETTINGS: Readonly<Record<string, string>> = {
  TIMEOUT_EXCEEDED: '--sql-timeout-ms',
  MEMORY_LIMIT_EXCEEDED: '--sql-max-memory-bytes',
  TOO_MANY_ROWS: '--sql-max-rows-read',
  TOO_MANY_BYTES: '--sql-max-bytes-read',
  TOO_MANY_ROWS_OR_BYTES: '--sql-max-result-rows / --sql-max-result-bytes',
};

function asSqlError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  const failure = err instanceof UserSqlError ? err : engineError(err);
  const setting = LIMIT_SETTINGS[failure.clickhouseName];
  // Before the closing (NAME), where ClickHouse clients look for it.
  const message = setting ? failure.message.replace(/\s*\((\w+)\)$/, `; the limit is Verdict's ${setting}. ($1)`) : failure.message;
  return new SqlError(message, failure.clickhouseCode, failure.clickhouseName);
}
