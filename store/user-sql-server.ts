// Users' SQL on a ClickHouse server: one HTTP request per query with readonly = 1 and the limits as
// its settings, the parameters as `param_<name>` exactly as a client would send them, and the
// server told to cancel a read-only query whose client closes the connection, which is what
// aborting the request does (the caller went away, or the collector stops).
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { callTimeoutMs, concurrencyGate, failureOf, limitSettings, textOf, type UserSqlCall, type UserSqlLimits, type UserSqlRunner } from './user-sql.js';

export interface ServerUserSqlOptions {
  connection: { url: string; username?: string; password?: string; database: string };
  limits: UserSqlLimits;
}

export function createServerUserSql(options: ServerUserSqlOptions): UserSqlRunner {
  const gate = concurrencyGate(options.limits.maxConcurrent);
  const clients = new Map<string, ClickHouseClient>();
  const requests = new Set<AbortController>();
  let closed = false;
  const clientFor = (database: string) => {
    let client = clients.get(database);
    if (!client) clients.set(database, (client = createClient({ ...options.connection, database })));
    return client;
  };

  async function* run(statement: string, call: UserSqlCall): AsyncGenerator<Uint8Array> {
    const release = await gate.acquire(call.signal);
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    call.signal?.addEventListener('abort', onAbort, { once: true });
    requests.add(abort);
    try {
      const settings: Record<string, unknown> = {
        ...limitSettings(options.limits, callTimeoutMs(options.limits, call)),
        readonly: '1',
        cancel_http_readonly_queries_on_client_close: 1,
        default_format: call.format,
      };
      if (call.format === 'Native' && call.nativeRevision) settings.client_protocol_version = call.nativeRevision;
      // Already in the wire's escaped text form: sent as is, as param_<name> URL parameters.
      for (const [name, value] of Object.entries(call.params ?? {})) settings[`param_${name}`] = value;
      const result = await clientFor(call.database ?? options.connection.database).exec({
        query: statement,
        query_id: randomUUID(),
        clickhouse_settings: settings as ClickHouseSettings,
        abort_signal: abort.signal,
      });
      for await (const chunk of result.stream) yield chunk as Uint8Array;
    } catch (err) {
      throw failureOf(err, closed, call.signal);
    } finally {
      call.signal?.removeEventListener('abort', onAbort);
      // A response not read to its end: closing it cancels the query on the server.
      abort.abort();
      requests.delete(abort);
      release();
    }
  }

  return {
    stream: run,
    text: (statement, call) => textOf(run(statement, call)),
    // A server answers displayName() from its own configuration (its host name by default).
    hostRevealingFunctions: new Set(['displayname']),
    async close() {
      closed = true;
      gate.close();
      for (const abort of requests) abort.abort();
      await Promise.all([...clients.values()].map((c) => c.close()));
    },
  };
}
