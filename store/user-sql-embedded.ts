// Users' SQL on the embedded engine. Each query gets a chDB session of its own (they cost well
// under a millisecond): the limits, readonly = 1 and the query's parameters are that session's
// settings, so nothing a query sets outlives it or reaches the writer. The engine has no interrupt
// in its C interface, but its own KILL QUERY works across sessions: a query is found by a marker
// at the start of its text and killed when its caller goes away or the collector stops.
import { Session } from 'chdb';
import { randomUUID } from 'node:crypto';
import { nativeAtRevision } from './native-revision.js';
import { callTimeoutMs, concurrencyGate, failureOf, limitSettings, textOf, USER_SQL_ERRORS, UserSqlError, type UserSqlCall, type UserSqlLimits, type UserSqlRunner } from './user-sql.js';

/** Every users' query starts with this comment (and its own id): what KILL QUERY looks for. */
const MARKER = '/* verdict-user-sql';

/**
 * Formats whose output is rows or blocks with nothing before or after them: the engine's streaming
 * writes each block as a whole document (a JSON object, a CSV header), so only these can stream.
 */
const STREAMABLE_FORMATS: ReadonlySet<string> = new Set([
  'Native', 'RowBinary', 'JSONEachRow', 'JSONLines', 'NDJSON', 'JSONCompactEachRow', 'JSONStringsEachRow',
  'JSONCompactStringsEachRow', 'TabSeparated', 'TSV', 'TabSeparatedRaw', 'TSVRaw', 'CSV', 'LineAsString', 'RawBLOB',
]);

/** Query parameter names the engine takes (`{name:Type}`). */
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A ClickHouse string literal holding `text` exactly: inside single quotes only the backslash
 * and the quote are special, and both are escaped.
 */
export function stringLiteral(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** A ClickHouse identifier in backquotes, escaped the same way. */
function identifier(name: string): string {
  return `\`${name.replace(/[\\`]/g, (c) => `\\${c}`)}\``;
}

/**
 * The statements that prepare a query's session: its database, the limits and settings, readonly
 * last (after it nothing can be changed), then the query's parameters (allowed in readonly mode).
 */
function sessionSetup(settings: Record<string, string | number>, call: UserSqlCall): string {
  const statements: string[] = [];
  if (call.database) statements.push(`USE ${identifier(call.database)}`);
  const values = Object.entries(settings).map(([name, value]) => `${name} = ${typeof value === 'number' ? value : stringLiteral(value)}`);
  statements.push(`SET ${values.join(', ')}, readonly = 1`);
  const params = Object.entries(call.params ?? {});
  for (const [name] of params) {
    if (!PARAM_NAME.test(name)) throw new UserSqlError(`Code: 36. DB::Exception: query parameter name ${JSON.stringify(name)} is not valid: letters, digits and _ only. (BAD_ARGUMENTS)`, 36, 'BAD_ARGUMENTS');
  }
  if (params.length > 0) statements.push(`SET ${params.map(([name, value]) => `param_${name} = ${stringLiteral(value)}`).join(', ')}`);
  return statements.join('; ');
}

export interface EmbeddedUserSqlOptions {
  /** The engine's data directory (the engine itself is already open in this process). */
  dataDir: string;
  limits: UserSqlLimits;
  /** Engine settings every users' session gets besides the limits (the analyzer, introspection, priority). */
  sessionSettings: Record<string, string | number>;
}

export function createEmbeddedUserSql(options: EmbeddedUserSqlOptions): UserSqlRunner {
  const gate = concurrencyGate(options.limits.maxConcurrent);
  // KILL QUERY needs a session that is not read-only; it runs nothing else.
  const control = new Session(options.dataDir);
  const running = new Set<Promise<unknown>>();
  let closed = false;

  async function kill(marker: string): Promise<void> {
    // The marker is our own (a UUID), never user text.
    await control.queryAsync(`KILL QUERY WHERE startsWith(query, ${stringLiteral(marker)}) ASYNC`, { format: 'TSV' }).catch(() => {});
  }

  async function* run(statement: string, call: UserSqlCall): AsyncGenerator<Uint8Array> {
    const release = await gate.acquire(call.signal);
    const marker = `${MARKER} ${randomUUID()} */`;
    const session = new Session(options.dataDir);
    let finished: () => void = () => {};
    const done = new Promise<void>((resolve) => (finished = resolve));
    running.add(done);
    let started = false;
    let completed = false;
    const onAbort = () => void kill(marker);
    try {
      const settings = { ...limitSettings(options.limits, callTimeoutMs(options.limits, call)), ...options.sessionSettings };
      await session.queryAsync(sessionSetup(settings, call), { format: 'TSV' });
      if (call.signal?.aborted) throw USER_SQL_ERRORS.queryWasCancelled('the client went away');
      const native = call.format === 'Native' ? (call.nativeRevision ?? 0) : 0;
      const revised = (bytes: Uint8Array) => (native > 0 ? nativeAtRevision(bytes, native) : bytes);
      const text = `${marker} ${statement}`;
      call.signal?.addEventListener('abort', onAbort, { once: true });
      if (call.whole || !STREAMABLE_FORMATS.has(call.format)) {
        // The engine streams SELECTs only (SHOW, DESCRIBE and EXPLAIN answer whole), and only in
        // formats without a header or footer; other answers come whole, within the result limit.
        const answer = session.queryAsync(text, { format: call.format });
        started = true;
        if (call.signal?.aborted) onAbort();
        yield revised((await answer).bytes());
      } else {
        // Started synchronously: once queryStream returns, the query is in the engine's process
        // list, and a KILL finds it.
        const stream = session.queryStream(text, { format: call.format });
        started = true;
        if (call.signal?.aborted) onAbort();
        for await (const chunk of stream) yield revised(chunk.raw());
      }
      completed = true;
    } catch (err) {
      throw failureOf(err, closed, call.signal);
    } finally {
      call.signal?.removeEventListener('abort', onAbort);
      // Left early (an error, a consumer that stopped reading): the query must not run on.
      if (started && !completed) await kill(marker);
      session.close();
      release();
      finished();
      running.delete(done);
    }
  }

  return {
    stream: run,
    text: (statement, call) => textOf(run(statement, { ...call, whole: true })),
    hostRevealingFunctions: new Set(),
    async close() {
      closed = true;
      gate.close();
      await kill(MARKER);
      await Promise.allSettled([...running]);
      control.close();
    },
  };
}
