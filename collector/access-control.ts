// Applies the API keys to each way in: the query API (a read key on /api/*), OTLP/gRPC (an ingest
// key in the call's metadata, checked before the message is decoded); OTLP/HTTP applies the same
// decision in its receiver so the refusal comes first and in the request's encoding.
import { ServerInterceptingCall, status as GrpcStatus, type Metadata, type ServerInterceptor } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { decide, presentedKey, type AccessDecision, type ApiKeys } from '../auth/api-keys.js';

/** The decision for an HTTP request's headers. */
export function decideFromHeaders(keys: ApiKeys, headers: IncomingHttpHeaders, role: 'ingest' | 'read'): AccessDecision {
  return decide(keys, presentedKey((name) => first(headers[name])), role);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export interface ApiAccessOptions {
  /** Paths answered without a key whatever is configured (liveness). */
  openPaths: ReadonlySet<string>;
  /**
   * Paths answered without a key only while the API listens on loopback (metrics and readiness,
   * for scrapers and probes on the same machine); on any other address they need a read key.
   */
  loopbackOpenPaths: ReadonlySet<string>;
  loopback: boolean;
}

/** Every API request needs a read key, except the open paths. Registered before any route runs. */
export function requireReadKey(app: FastifyInstance, keys: ApiKeys, options: ApiAccessOptions): void {
  if (!keys.enabled) return;
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0];
    if (options.openPaths.has(path) || (options.loopback && options.loopbackOpenPaths.has(path))) return;
    const decision = decideFromHeaders(keys, request.headers, 'read');
    if (decision.allowed) return;
    if (decision.status === 401) reply.header('www-authenticate', 'Bearer realm="verdict"');
    return reply.code(decision.status).send({ error: decision.message, statusCode: decision.status });
  });
}

/**
 * gRPC: the call's metadata must carry an ingest key (`authorization: Bearer …` or
 * `x-verdict-api-key`); otherwise UNAUTHENTICATED or PERMISSION_DENIED, and the handler never runs.
 */
export function ingestKeyInterceptor(keys: ApiKeys): ServerInterceptor {
  return (_method, call) =>
    new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, pass) {
            const decision = decide(keys, presentedKey((name) => metadataValue(metadata, name)), 'ingest');
            if (decision.allowed) return pass(metadata);
            call.sendStatus({ code: decision.status === 401 ? GrpcStatus.UNAUTHENTICATED : GrpcStatus.PERMISSION_DENIED, details: decision.message });
          },
        });
      },
    });
}

function metadataValue(metadata: Metadata, name: string): string | undefined {
  const value = metadata.get(name)[0];
  return typeof value === 'string' ? value : undefined;
}
