// The query API on its own port (7318), assembled in one place as a list of fastify plugins: read
// keys, health (healthz, readyz, metrics), users' SQL, the questions with their OpenAPI document,
// flush, the web page and the queue's set-aside segments. Separate from the OTLP port so ingest
// and reads can be bound and secured differently.
import type { ClickHouseClient } from '@clickhouse/client';
import Fastify, { type FastifyInstance } from 'fastify';
import { REDACTED_LOG_PATHS, type ApiKeys } from '../auth/api-keys.js';
import { httpsServerOptions, type TlsMaterial } from '../auth/tls.js';
import type { Outbox } from '../alerts/outbox.js';
import type { Watcher } from '../alerts/watcher.js';
import { alertRoutes } from './alerts.js';
import { readKeyAuth } from './auth.js';
import { FEEDBACK_PATH, feedbackRoutes, type AssessmentSink } from './feedback.js';
import { flushRoute } from './flush.js';
import { health, type HealthOptions } from './health.js';
import { openApiRoute } from './openapi.js';
import { questionRoutes } from './questions.js';
import { registryRoutes } from './registry.js';
import { rejectedRoutes, type RejectedOptions } from './rejected.js';
import { sqlRoutes } from './sql.js';
import { WEB_PAGE_PATHS, webPage } from './web.js';
import type { UserSqlRunner } from '../store/user-sql.js';

export interface ApiOptions {
  client: ClickHouseClient;
  /** Runs users' SQL; see Store.userSql. */
  userSql: UserSqlRunner;
  keys: ApiKeys;
  /** The API listens on loopback only: metrics and readiness need no key there. */
  loopback: boolean;
  health: HealthOptions;
  /** Inserts everything acknowledged so far (POST /api/flush). */
  flush(): Promise<void>;
  /** The queue's set-aside segments (/api/queue/rejected). */
  rejected: RejectedOptions;
  logLevel: string;
  /** Serve HTTPS (and require client certificates when the material has a client CA). */
  tls?: TlsMaterial;
  /** Held around each registry write when other collectors share the server (api/registry.ts). */
  registryWriteLock?: { acquire(): Promise<void>; release(): Promise<void> };
  /** The alert watcher and its outbox (/api/alerts/check). */
  alerts?: { watcher: Watcher; outbox: Outbox };
  /** The durable queue POST /api/feedback acknowledges into; absent, it inserts synchronously. */
  feedbackQueue?: AssessmentSink;
}

export function createApi(options: ApiOptions): FastifyInstance {
  const app = Fastify({ ...(options.tls ? { https: httpsServerOptions(options.tls) } : {}), logger: { level: options.logLevel, redact: REDACTED_LOG_PATHS } });
  app.register(readKeyAuth, {
    keys: options.keys,
    // The page's own files load without a key, so that it can ask for one; its API calls need it.
    openPaths: new Set(['/healthz', ...WEB_PAGE_PATHS]),
    loopbackOpenPaths: new Set(['/metrics', '/readyz']),
    loopback: options.loopback,
    ingestRoutes: new Set([`POST ${FEEDBACK_PATH}`]),
  });
  app.register(health, options.health);
  app.register(sqlRoutes, { userSql: options.userSql });
  app.register(questionRoutes, { client: options.client });
  app.register(registryRoutes, { client: options.client, keys: options.keys, writeLock: options.registryWriteLock });
  app.register(alertRoutes, { client: options.client, ...options.alerts });
  app.register(openApiRoute);
  app.register(flushRoute, { flush: options.flush });
  app.register(feedbackRoutes, { client: options.client, queue: options.feedbackQueue });
  app.register(webPage);
  app.register(rejectedRoutes, options.rejected);

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
