// /api/sql: the user's own read-only SQL (GET ?query=…&param_<name>=… or POST {"query": …,
// "params": {…}}), through the same checks and limits as `verdict sql` and the ClickHouse endpoint
// (queries/read-only-sql.ts). A client that goes away stops its query in the engine.
import type { FastifyPluginAsync } from 'fastify';
import { runReadOnlySql, SqlError } from '../queries/read-only-sql.js';
import type { UserSqlRunner } from '../store/user-sql.js';
import { clientGoneSignal } from './client-gone.js';

export interface SqlOptions {
  userSql: UserSqlRunner;
}

const SqlQuerystring = {
  type: 'object',
  required: ['query'],
  properties: { query: { type: 'string', minLength: 1 } },
} as const;

const SqlBody = {
  type: 'object',
  required: ['query'],
  properties: {
    query: { type: 'string', minLength: 1 },
    // As ClickHouse's param_<name>: text in its escaped format (numbers and booleans as written).
    params: { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } },
  },
} as const;

/** `param_<name>` URL parameters, as a ClickHouse server takes them. */
export function urlParams(query: Readonly<Record<string, unknown>>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (!key.startsWith('param_')) continue;
    if (typeof value !== 'string') throw Object.assign(new Error(`${key} is given more than once`), { statusCode: 400 });
    params[key.slice('param_'.length)] = value;
  }
  return params;
}

export const sqlRoutes: FastifyPluginAsync<SqlOptions> = async (app, options) => {
  async function sql(query: string, params: Record<string, string>, signal: AbortSignal) {
    try {
      return await runReadOnlySql(options.userSql, { sql: query, params }, { signal });
    } catch (err) {
      // 503 only when the collector is stopping (the query may be sent again elsewhere); the rest is the query's.
      if (err instanceof SqlError) throw Object.assign(new Error(err.message), { statusCode: err.clickhouseName === 'NETWORK_ERROR' ? 503 : 400 });
      throw err;
    }
  }
  app.get<{ Querystring: { query: string } & Record<string, unknown> }>('/api/sql', { schema: { querystring: SqlQuerystring } }, async (req, reply) =>
    sql(req.query.query, urlParams(req.query), clientGoneSignal(reply)),
  );
  app.post<{ Body: { query: string; params?: Record<string, string | number | boolean> } }>('/api/sql', { schema: { body: SqlBody } }, async (req, reply) =>
    sql(req.body.query, Object.fromEntries(Object.entries(req.body.params ?? {}).map(([k, v]) => [k, String(v)])), clientGoneSignal(reply)),
  );
};
