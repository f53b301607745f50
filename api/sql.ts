// /api/sql: the user's own read-only SQL (GET ?query= or POST {"query": …}), run on the store's
// read-only connection through the same checks as `verdict sql` (queries/read-only-sql.ts).
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyPluginAsync } from 'fastify';
import { runReadOnlySql, SqlError } from '../queries/read-only-sql.js';

export interface SqlOptions {
  readOnlyClient: ClickHouseClient;
}

const SqlInput = {
  type: 'object',
  required: ['query'],
  properties: { query: { type: 'string', minLength: 1 } },
} as const;

export const sqlRoutes: FastifyPluginAsync<SqlOptions> = async (app, options) => {
  async function sql(query: string) {
    try {
      return await runReadOnlySql(options.readOnlyClient, query);
    } catch (err) {
      if (err instanceof SqlError) throw Object.assign(new Error(err.message), { statusCode: 400 });
      throw err;
    }
  }
  app.get<{ Querystring: { query: string } }>('/api/sql', { schema: { querystring: SqlInput } }, async (req) => sql(req.query.query));
  app.post<{ Body: { query: string } }>('/api/sql', { schema: { body: SqlInput } }, async (req) => sql(req.body.query));
};
