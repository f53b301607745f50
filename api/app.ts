// The query API on its own port (7318): read-only SQL for users and the CLI, health, and the
// question endpoints that later modules register. Separate from the OTLP port so that ingest and
// reads can be bound and secured differently.
import Fastify, { type FastifyInstance } from 'fastify';
import { REDACTED_LOG_PATHS } from '../auth/api-keys.js';
import type { ClickHouseClient } from '@clickhouse/client';
import { runReadOnlySql, SqlError } from '../queries/read-only-sql.js';
import { queryRoutes } from './questions.js';
import { webPage } from './web.js';

export interface ApiServerOptions {
  client: ClickHouseClient;
  /** Runs users' SQL; see Store.readOnlyClient. */
  readOnlyClient: ClickHouseClient;
  /** Inserts everything acknowledged so far (POST /api/flush). */
  flush(): Promise<void>;
  logLevel: string;
}

export function createApiServer(options: ApiServerOptions): FastifyInstance {
  const app = Fastify({ logger: { level: options.logLevel, redact: REDACTED_LOG_PATHS } });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.register(queryRoutes, { client: options.client });
  app.register(webPage);

  // Makes every span acknowledged so far queryable now, instead of within the batch delay: for CI
  // jobs that gate on data they just sent, and for tests.
  app.post('/api/flush', async (_req, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 30_000)));
    const outcome = await Promise.race([options.flush().then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      return reply.code(503).header('retry-after', '5').send({ error: 'queued spans could not be stored within 30 s; the store may be unavailable', statusCode: 503 });
    }
    return { flushed: true };
  });

  const sqlSchema = {
    type: 'object',
    required: ['query'],
    properties: { query: { type: 'string', minLength: 1 } },
  } as const;

  async function sql(query: string) {
    try {
      return await runReadOnlySql(options.readOnlyClient, query);
    } catch (err) {
      if (err instanceof SqlError) throw Object.assign(new Error(err.message), { statusCode: 400 });
      throw err;
    }
  }

  app.get<{ Querystring: { query: string } }>('/api/sql', { schema: { querystring: sqlSchema } }, async (req) => sql(req.query.query));
  app.post<{ Body: { query: string } }>('/api/sql', { schema: { body: sqlSchema } }, async (req) => sql(req.body.query));

  app.setErrorHandler(async (err: Error & { statusCode?: number }, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) request.log.error({ err }, 'API request failed');
    return reply.code(status).send({ error: err.message, statusCode: status });
  });
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ error: `no API route ${request.method} ${request.url}`, statusCode: 404 }),
  );
  return app;
}
