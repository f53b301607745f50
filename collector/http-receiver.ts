// OTLP/HTTP trace receiver (POST /v1/traces) per the OTLP specification: protobuf or JSON, gzip,
// 200 with partial success, 400 undecodable, 413 too large, 415 unknown type, 503 + Retry-After
// when storage cannot take more; error bodies are google.rpc.Status in the request's encoding.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { REDACTED_LOG_PATHS, type AccessDecision } from '../auth/api-keys.js';
import { RecordTooLargeError } from './queue/errors.js';
import { ingestProtobuf, isRetryableIngestError, type Ingestor } from './ingest.js';
import { OtlpDecodeError } from './otlp/model.js';
import { decodeTraceRequestJson } from './otlp/json-decoder.js';
import type { DecodeOptions } from './otlp/protobuf-decoder.js';
import { exportResponse, GrpcCode, statusBody, type OtlpEncoding } from './otlp/responses.js';
import { BodyTooLargeError, CorruptBodyError, readBody, UnsupportedEncodingError } from './request-body.js';

export interface OtlpHttpReceiverOptions {
  ingestor: Ingestor;
  maxBodyBytes: number;
  decode?: DecodeOptions;
  logLevel: string;
  /** Seconds a client is told to wait before retrying a 503. */
  retryAfterSeconds?: number;
  /** Export requests handled at once; more are answered 429 + Retry-After. */
  maxConcurrentRequests?: number;
  /** A request must arrive whole within this time, its headers within min(this, 10 s). */
  requestTimeoutMs?: number;
  /** May the sender ingest (API keys)? Refused with 401/403 before anything else, body unread. */
  authorize?(headers: IncomingHttpHeaders): AccessDecision;
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

function sendStatus(reply: FastifyReply, encoding: OtlpEncoding, httpStatus: number, grpcCode: number, message: string): FastifyReply {
  return reply
    .code(httpStatus)
    .header('content-type', encoding === 'json' ? 'application/json' : 'application/x-protobuf')
    .send(statusBody(encoding, grpcCode, message));
}

export function createOtlpHttpReceiver(options: OtlpHttpReceiverOptions): FastifyInstance {
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const app = Fastify({
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

  // Bounded work in flight: beyond it, senders back off (429 is retryable in OTLP) instead of
  // the process buffering without limit.
  const authorize = options.authorize;
  if (authorize) {
    app.addHook('onRequest', async (request, reply) => {
      const decision = authorize(request.headers);
      if (decision.allowed) return;
      if (decision.status === 401) reply.header('www-authenticate', 'Bearer realm="verdict"');
      return sendStatus(reply, encodingOf(request.headers['content-type']) ?? 'json', decision.status,
        decision.status === 401 ? GrpcCode.UNAUTHENTICATED : GrpcCode.PERMISSION_DENIED, decision.message);
    });
  }

  const maxConcurrent = options.maxConcurrentRequests ?? 256;
  let inFlight = 0;
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST') return;
    if (inFlight >= maxConcurrent) {
      reply.header('retry-after', retryAfter);
      return sendStatus(reply, encodingOf(request.headers['content-type']) ?? 'json', 429, GrpcCode.RESOURCE_EXHAUSTED,
        `too many concurrent export requests (limit ${maxConcurrent}), retry later`);
    }
    inFlight++;
    reply.raw.once('close', () => inFlight--);
  });

  // The route reads the raw stream itself: it must inflate gzip within the size limit and answer
  // 415 in OTLP's own format, which fastify's built-in parsers would not.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.post('/v1/traces', async (request, reply) => {
    const encoding = encodingOf(request.headers['content-type']);
    const payload = request.body as Readable | undefined;
    if (!encoding) {
      payload?.resume();
      return sendStatus(reply, 'json', 415, GrpcCode.INVALID_ARGUMENT,
        `unsupported Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')}: use application/x-protobuf or application/json`);
    }
    let body: Buffer;
    try {
      body = payload ? await readBody(payload, request.headers['content-encoding'], options.maxBodyBytes) : Buffer.alloc(0);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendStatus(reply, encoding, 413, GrpcCode.RESOURCE_EXHAUSTED, err.message);
      if (err instanceof UnsupportedEncodingError) return sendStatus(reply, encoding, 415, GrpcCode.INVALID_ARGUMENT, err.message);
      if (err instanceof CorruptBodyError) return sendStatus(reply, encoding, 400, GrpcCode.INVALID_ARGUMENT, err.message);
      // The client went away (or was cut off for being too slow): nobody is left to answer.
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') return reply.code(400).send();
      throw err;
    }
    let partial;
    try {
      // Protobuf is encoded to rows straight from its bytes; JSON goes through the decoded model.
      partial = encoding === 'json'
        ? await options.ingestor.ingest(decodeTraceRequestJson(body, options.decode))
        : await ingestProtobuf(options.ingestor, body, options.decode);
    } catch (err) {
      if (err instanceof OtlpDecodeError) {
        return sendStatus(reply, encoding, 400, GrpcCode.INVALID_ARGUMENT, `cannot decode ExportTraceServiceRequest: ${err.message}`);
      }
      if (err instanceof RecordTooLargeError) return sendStatus(reply, encoding, 413, GrpcCode.RESOURCE_EXHAUSTED, err.message);
      if (isRetryableIngestError(err)) {
        request.log.warn({ err: err.message }, 'ingest refused, client asked to retry');
        reply.header('retry-after', retryAfter);
        return sendStatus(reply, encoding, 503, GrpcCode.UNAVAILABLE, `spans not stored, retry later: ${err.message}`);
      }
      throw err;
    }
    return reply
      .code(200)
      .header('content-type', encoding === 'json' ? 'application/json' : 'application/x-protobuf')
      .send(exportResponse(encoding, partial));
  });

  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: '/v1/traces',
    handler: async (_request, reply) =>
      sendStatus(reply.header('allow', 'POST'), 'json', 405, GrpcCode.UNIMPLEMENTED, 'method not allowed: OTLP/HTTP uses POST'),
  });

  app.setNotFoundHandler(async (request, reply) =>
    sendStatus(reply, 'json', 404, GrpcCode.UNIMPLEMENTED, `no OTLP endpoint at ${request.method} ${request.url}: traces go to POST /v1/traces`),
  );

  app.setErrorHandler(async (err: Error & { statusCode?: number }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'OTLP request failed');
    const encoding = encodingOf(request.headers['content-type']) ?? 'json';
    return sendStatus(reply, encoding, status, status === 500 ? 13 : GrpcCode.INVALID_ARGUMENT, err.message);
  });

  return app;
}
