// OTLP/HTTP trace receiver (POST /v1/traces) per the OTLP specification: protobuf or JSON, gzip.
// It reads the body within its limit and serialises the ingest's one export outcome: 200 with
// partial success, or google.rpc.Status in the request's encoding with the outcome's status.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { REDACTED_LOG_PATHS, type AccessDecision } from '../auth/api-keys.js';
import { httpsServerOptions, type TlsMaterial } from '../auth/tls.js';
import { failed, LOGS, refusedAccess, refusedBusy, TRACES, unsupportedContentType, type ExportOutcome, type SignalNames } from './export-outcome.js';
import { createExportSlots, type ExportSlots } from './export-slots.js';
import type { Ingestor } from './ingest.js';
import { exportResponse, GrpcCode, statusBody, type OtlpEncoding } from './otlp/responses.js';
import { readBody } from './request-body.js';

export interface OtlpHttpReceiverOptions {
  ingestor: Ingestor;
  /** Log records (POST /v1/logs): the same guarantees, their own queue. */
  logsIngestor?: Ingestor;
  maxBodyBytes: number;
  logLevel: string;
  /** Seconds a client is told to wait before retrying a retryable refusal (503, 429). */
  retryAfterSeconds?: number;
  /** Export requests handled at once (shared with the gRPC receiver); more are answered 429 + Retry-After. */
  slots?: ExportSlots;
  /** A request must arrive whole within this time, its headers within min(this, 10 s). */
  requestTimeoutMs?: number;
  /** May the sender ingest (API keys)? Refused with 401/403 before anything else, body unread. */
  authorize?(headers: IncomingHttpHeaders): AccessDecision;
  /** Serve HTTPS (and require client certificates when the material has a client CA). */
  tls?: TlsMaterial;
}

const CONTENT_TYPES: Record<string, OtlpEncoding> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  if (!contentType) return undefined;
  return CONTENT_TYPES[contentType.split(';')[0].trim().toLowerCase()];
}

const contentTypeOf = (encoding: OtlpEncoding) => (encoding === 'json' ? 'application/json' : 'application/x-protobuf');

export function createOtlpHttpReceiver(options: OtlpHttpReceiverOptions): FastifyInstance {
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    ...(options.tls ? { https: httpsServerOptions(options.tls) } : {}),
    logger: { level: options.logLevel, redact: REDACTED_LOG_PATHS },
    bodyLimit: options.maxBodyBytes,
    // Slow or idle clients must not pin sockets: a request must arrive in time, and a socket that
    // says nothing for that long is closed.
    connectionTimeout: requestTimeoutMs,
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: 65_000,
  });
  app.server.headersTimeout = Math.min(10_000, requestTimeoutMs);
  const retryAfter = String(options.retryAfterSeconds ?? 2);

  function send(reply: FastifyReply, encoding: OtlpEncoding, outcome: ExportOutcome): FastifyReply {
    reply.code(outcome.httpStatus).header('content-type', contentTypeOf(encoding));
    if (outcome.grpcCode === GrpcCode.OK) return reply.send(exportResponse(encoding, outcome.partialSuccess));
    if (outcome.retryable) reply.header('retry-after', retryAfter);
    if (outcome.httpStatus === 401) reply.header('www-authenticate', 'Bearer realm="verdict"');
    return reply.send(statusBody(encoding, outcome.grpcCode, outcome.message));
  }
  const requestEncoding = (headers: IncomingHttpHeaders) => encodingOf(headers['content-type']) ?? 'json';

  const authorize = options.authorize;
  if (authorize) {
    app.addHook('onRequest', async (request, reply) => {
      const decision = authorize(request.headers);
      if (!decision.allowed) return send(reply, requestEncoding(request.headers), refusedAccess(decision.status, decision.message));
    });
  }

  // Bounded work in flight: beyond it, senders back off (429 is retryable in OTLP) instead of
  // the process buffering without limit.
  const slots = options.slots ?? createExportSlots(256);
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST') return;
    const release = slots.take();
    if (!release) return send(reply, requestEncoding(request.headers), refusedBusy(slots.limit));
    reply.raw.once('close', release);
  });

  // The route reads the raw stream itself: it must inflate gzip within the size limit and answer
  // 415 in OTLP's own format, which fastify's built-in parsers would not.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  const exportRoute = (ingestor: Ingestor, signal: SignalNames) => async (request: FastifyRequest, reply: FastifyReply) => {
    const encoding = encodingOf(request.headers['content-type']);
    const payload = request.body as Readable | undefined;
    if (!encoding) {
      payload?.resume();
      return send(reply, 'json', unsupportedContentType(request.headers['content-type']));
    }
    let body: Buffer;
    try {
      body = payload ? await readBody(payload, request.headers['content-encoding'], options.maxBodyBytes) : Buffer.alloc(0);
    } catch (err) {
      // The client went away (or was cut off for being too slow): nobody is left to answer.
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') return reply.code(400).send();
      const outcome = failed(err, signal);
      if (!outcome) throw err;
      return send(reply, encoding, outcome);
    }
    const outcome = await ingestor.export(body, encoding);
    if (outcome.retryable) request.log.warn({ err: outcome.message }, 'ingest refused, client asked to retry');
    return send(reply, encoding, outcome);
  };
  app.post('/v1/traces', exportRoute(options.ingestor, TRACES));
  if (options.logsIngestor) app.post('/v1/logs', exportRoute(options.logsIngestor, LOGS));

  const methodNotAllowed = async (_request: unknown, reply: FastifyReply) =>
    reply.header('allow', 'POST').code(405).header('content-type', 'application/json')
      .send(statusBody('json', GrpcCode.UNIMPLEMENTED, 'method not allowed: OTLP/HTTP uses POST'));
  for (const url of options.logsIngestor ? ['/v1/traces', '/v1/logs'] : ['/v1/traces']) {
    app.route({
      method: ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url,
      // Answered on the request, before fastify looks at a body: a DELETE or OPTIONS with a body in
      // no known content type would otherwise be refused by the parser (415) and never reach here.
      onRequest: methodNotAllowed,
      handler: methodNotAllowed,
    });
  }

  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).header('content-type', 'application/json')
      .send(statusBody('json', GrpcCode.UNIMPLEMENTED, `no OTLP endpoint at ${request.method} ${request.url}: traces go to POST /v1/traces`)),
  );

  app.setErrorHandler(async (err: Error & { statusCode?: number }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'OTLP request failed');
    return reply.code(status).header('content-type', contentTypeOf(requestEncoding(request.headers)))
      .send(statusBody(requestEncoding(request.headers), status === 500 ? GrpcCode.INTERNAL : GrpcCode.INVALID_ARGUMENT, err.message));
  });

  return app;
}
