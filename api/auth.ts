// Every API request needs a read key once keys are configured, except the open paths: liveness
// always, and metrics/readiness while only this machine can reach the API (scrapers and probes
// often cannot send headers). Checked on the request, before any route runs or reads a body.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { decideRequest, headerOf, type ApiKeys, type KeyRole } from '../auth/api-keys.js';

export interface ReadKeyOptions {
  keys: ApiKeys;
  /** Paths answered without a key whatever is configured. */
  openPaths: ReadonlySet<string>;
  /** Paths answered without a key only while the API listens on loopback. */
  loopbackOpenPaths: ReadonlySet<string>;
  loopback: boolean;
  /** `METHOD path`s that take an ingest key instead of a read key (POST /api/feedback). */
  ingestRoutes?: ReadonlySet<string>;
}

const readKeyPlugin: FastifyPluginAsync<ReadKeyOptions> = async (app, options) => {
  // Installed even without keys: keys can be added while the collector runs (a reload).
  app.addHook('onRequest', async (request, reply) => {
    if (!options.keys.enabled) return;
    const path = request.url.split('?', 1)[0];
    if (options.openPaths.has(path) || (options.loopback && options.loopbackOpenPaths.has(path))) return;
    // A route that writes says so: the feedback routes by name, the registry's changes in their config.
    const configured = (request.routeOptions.config as { keyRole?: KeyRole } | undefined)?.keyRole;
    const role = options.ingestRoutes?.has(`${request.method} ${path}`) ? 'ingest' : (configured ?? 'read');
    const decision = decideRequest(options.keys, headerOf(request.headers), role);
    if (decision.allowed) return;
    if (decision.status === 401) reply.header('www-authenticate', 'Bearer realm="verdict"');
    return reply.code(decision.status).send({ error: decision.message, statusCode: decision.status });
  });
};

/** Not encapsulated: the hook guards every route of the API, whichever plugin registers it. */
export const readKeyAuth = fp(readKeyPlugin, { name: 'verdict-read-key' });
