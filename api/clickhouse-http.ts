// ClickHouse's HTTP interface, read-only, on a port of its own (8123 by default, where ClickHouse
// clients look first): GET /?query=… and POST / (the query in the body and/or `query=`), FORMAT and
// default_format, database, param_<name>, X-ClickHouse-Format, the user's read key as
// X-ClickHouse-Key, Basic auth or `password=`, ClickHouse's error text with
// X-ClickHouse-Exception-Code, gzip when accepted, and Native at the client's protocol revision.
// Every query goes through the same checks, limits and cancellation as `verdict sql`
// (queries/read-only-sql.ts); only the HTTP conventions live here.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { createDeflate, createGzip, gunzipSync, inflateSync } from 'node:zlib';
import { decide, REDACTED_LOG_PATHS, type ApiKeys } from '../auth/api-keys.js';
import { prepareUserSql, SqlError, streamUserSql } from '../queries/read-only-sql.js';
import type { UserSqlRunner } from '../store/user-sql.js';
import { clientGoneSignal } from './client-gone.js';
import { urlParams } from './sql.js';

export interface ClickHouseHttpOptions {
  userSql: UserSqlRunner;
  keys: ApiKeys;
  /** What X-ClickHouse-Server-Display-Name says (the same name displayName() answers). */
  displayName: string;
  logLevel: string;
}

/** Longest query text taken (ClickHouse's own max_query_size is 256 KiB of it). */
const MAX_QUERY_BYTES = 1024 * 1024;

/**
 * URL parameters that are the HTTP interface's own, not settings. Anything else is a setting:
 * the few below are honoured, the rest refused as a read-only ClickHouse user is refused.
 */
const PROTOCOL_PARAMS = new Set([
  'query', 'database', 'default_format', 'client_protocol_version', 'query_id', 'user', 'password', 'quota_key',
  'session_id', 'session_timeout', 'session_check', 'compress', 'decompress', 'buffer_size', 'wait_end_of_query',
  'enable_http_compression', 'http_zlib_compression_level', 'send_progress_in_http_headers',
  'http_headers_progress_interval_ms', 'cancel_http_readonly_queries_on_client_close', 'role',
]);

/** Settings a read-only client may send: only ever a lower time limit (as CHANGEABLE_IN_READONLY with a max). */
const TIME_LIMIT_SETTING = 'max_execution_time';
/** Setting values a client may repeat: the ones a read-only session has anyway. */
const SAME_AS_OURS: Readonly<Record<string, string>> = { readonly: '1' };

interface ClickHouseErrorLike {
  message: string;
  clickhouseCode: number;
  clickhouseName: string;
}

/** HTTP status for a ClickHouse error code, as ClickHouse's server maps them (exceptionCodeToHTTPStatus). */
export function httpStatusOf(code: number): number {
  if (code === 194) return 401; // REQUIRED_PASSWORD
  if ([192, 193, 497, 516].includes(code)) return 403; // UNKNOWN_USER, WRONG_PASSWORD, ACCESS_DENIED, AUTHENTICATION_FAILED
  if ([6, 8, 26, 27, 36, 38, 41, 44, 53, 62, 72, 117, 167, 168, 321].includes(code)) return 400; // parse errors, BAD_ARGUMENTS, SYNTAX_ERROR, TYPE_MISMATCH, …
  if ([46, 47, 50, 60, 63, 73, 81, 115].includes(code)) return 404; // UNKNOWN_FUNCTION, _IDENTIFIER, _TYPE, _TABLE, _AGGREGATE_FUNCTION, _FORMAT, _DATABASE, _SETTING
  if (code === 393) return 413; // QUERY_IS_TOO_LARGE
  if (code === 48) return 501; // NOT_IMPLEMENTED
  if (code === 159) return 408; // TIMEOUT_EXCEEDED
  if (code === 210) return 503; // the collector is stopping
  return 500;
}

function exception(code: number, name: string, reason: string): ClickHouseErrorLike {
  return { message: `Code: ${code}. DB::Exception: ${reason}. (${name})`, clickhouseCode: code, clickhouseName: name };
}

/** The content type ClickHouse gives each output format. */
function contentType(format: string): string {
  if (/^(TabSeparated|TSV)/i.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (/^CSV/i.test(format)) return `text/csv; charset=UTF-8; header=${/WithNames/i.test(format) ? 'present' : 'absent'}`;
  if (/^(JSONEachRow|JSONLines|NDJSON|JSONCompactEachRow|JSONStringsEachRow)/i.test(format)) return 'application/x-ndjson; charset=UTF-8';
  if (/^JSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^(Native|RowBinary|Parquet|Arrow|ORC|Avro|Protobuf|MsgPack|CapnProto|BSON|Npy)/i.test(format)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

/** The read key a ClickHouse client presents: X-ClickHouse-Key, the Basic password, a Bearer token, or `password=`. */
function presentedKey(request: FastifyRequest, query: Record<string, unknown>): string | undefined {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const key = header('x-clickhouse-key');
  if (key) return key;
  const authorization = header('authorization') ?? '';
  const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1) || undefined;
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer) return bearer[1];
  return typeof query.password === 'string' && query.password !== '' ? query.password : undefined;
}

function authorize(keys: ApiKeys, key: string | undefined): ClickHouseErrorLike | undefined {
  const decision = decide(keys, key, 'read');
  if (decision.allowed) return undefined;
  if (key === undefined) return exception(194, 'REQUIRED_PASSWORD', 'a read key is needed: send it as the password (X-ClickHouse-Key or Basic auth)');
  if (decision.status === 403) return exception(497, 'ACCESS_DENIED', 'an ingest key cannot read: use a read key');
  return exception(516, 'AUTHENTICATION_FAILED', 'Authentication failed: the password is not a read key of this collector');
}

/** The time limit a client asked for (ms), or a refusal for a setting a read-only user may not change. */
function clientSettings(query: Record<string, unknown>): { timeoutMs?: number } | ClickHouseErrorLike {
  let timeoutMs: number | undefined;
  for (const [name, value] of Object.entries(query)) {
    if (PROTOCOL_PARAMS.has(name) || name.startsWith('param_')) continue;
    if (name === TIME_LIMIT_SETTING && typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) {
      timeoutMs = Number(value) * 1000;
      continue;
    }
    if (SAME_AS_OURS[name] !== undefined && value === SAME_AS_OURS[name]) continue;
    return exception(164, 'READONLY', `Cannot modify '${name}' setting in readonly mode`);
  }
  return { timeoutMs };
}

function requestBody(request: FastifyRequest): string {
  const body = request.body;
  if (!Buffer.isBuffer(body) || body.length === 0) return '';
  const encoding = String(request.headers['content-encoding'] ?? '').toLowerCase();
  const options = { maxOutputLength: MAX_QUERY_BYTES };
  if (encoding === 'gzip') return gunzipSync(body, options).toString('utf8');
  if (encoding === 'deflate') return inflateSync(body, options).toString('utf8');
  return body.toString('utf8');
}

function sendError(reply: FastifyReply, error: ClickHouseErrorLike): FastifyReply {
  const status = httpStatusOf(error.clickhouseCode);
  if (status === 401) reply.header('www-authenticate', 'Basic realm="verdict"');
  return reply
    .code(status)
    .header('x-clickhouse-exception-code', String(error.clickhouseCode))
    .header('content-type', 'text/plain; charset=UTF-8')
    .send(`${error.message}\n`);
}

/** Compresses the answer when the client accepts it (gzip first, as ClickHouse prefers). */
function compression(request: FastifyRequest): 'gzip' | 'deflate' | undefined {
  const accepted = String(request.headers['accept-encoding'] ?? '').toLowerCase();
  if (/\bgzip\b/.test(accepted)) return 'gzip';
  if (/\bdeflate\b/.test(accepted)) return 'deflate';
  return undefined;
}

async function handle(options: ClickHouseHttpOptions, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const query = request.query as Record<string, unknown>;
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) return sendError(reply, exception(36, 'BAD_ARGUMENTS', `URL parameter ${name} is given more than once`));
  }
  const refused = authorize(options.keys, presentedKey(request, query));
  if (refused) return sendError(reply, refused);
  const queryParam = typeof query.query === 'string' ? query.query : '';
  let body: string;
  try {
    body = requestBody(request);
  } catch {
    return sendError(reply, exception(36, 'BAD_ARGUMENTS', 'the request body cannot be decompressed as its Content-Encoding says'));
  }
  const sql = [queryParam, body].filter((part) => part !== '').join('\n');
  // No query: ClickHouse's own liveness answer.
  if (sql.trim() === '') return reply.header('content-type', 'text/plain; charset=UTF-8').send('Ok.\n');
  const settings = clientSettings(query);
  if ('clickhouseCode' in settings) return sendError(reply, settings);
  if (query.compress === '1') return sendError(reply, exception(48, 'NOT_IMPLEMENTED', "ClickHouse's native compression (compress=1) is not served here; use HTTP compression (Accept-Encoding: gzip)"));

  const header = (name: string) => (typeof request.headers[name] === 'string' ? (request.headers[name] as string) : undefined);
  const database = (typeof query.database === 'string' && query.database !== '' ? query.database : undefined) ?? header('x-clickhouse-database');
  const signal = clientGoneSignal(reply);
  const queryId = typeof query.query_id === 'string' && query.query_id !== '' ? query.query_id : randomUUID();
  let params: Record<string, string>;
  try {
    params = urlParams(query);
  } catch (err) {
    return sendError(reply, exception(36, 'BAD_ARGUMENTS', (err as Error).message));
  }
  let chunks: AsyncGenerator<Uint8Array>;
  let first: IteratorResult<Uint8Array>;
  let format: string;
  try {
    const prepared = await prepareUserSql(options.userSql, { sql, params }, { acceptFormat: true, database, signal });
    format = prepared.format ?? (typeof query.default_format === 'string' && query.default_format !== '' ? query.default_format : undefined) ?? header('x-clickhouse-format') ?? 'TabSeparated';
    const revision = Number(query.client_protocol_version ?? 0);
    chunks = streamUserSql(options.userSql, prepared, { format, nativeRevision: Number.isFinite(revision) ? revision : 0, database, timeoutMs: settings.timeoutMs, signal });
    // The first block decides the status: an error before any data is a proper error answer.
    first = await chunks.next();
  } catch (err) {
    if (err instanceof SqlError) return sendError(reply, err);
    throw err;
  }
  reply
    .header('content-type', contentType(format))
    .header('x-clickhouse-format', format)
    .header('x-clickhouse-query-id', queryId)
    .header('x-clickhouse-server-display-name', options.displayName);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (!first.done) yield first.value;
    try {
      yield* chunks;
    } catch (err) {
      // Headers are gone: like ClickHouse, the exception ends the body, and the connection is cut
      // so the client cannot take the answer for complete.
      yield Buffer.from(`\n${(err as Error).message}\n`);
      setImmediate(() => reply.raw.destroy());
    }
  }
  const encoding = compression(request);
  const stream = Readable.from(rest(), { objectMode: false });
  if (!encoding) return reply.send(stream);
  reply.header('content-encoding', encoding);
  return reply.send(stream.pipe(encoding === 'gzip' ? createGzip() : createDeflate()));
}

export function createClickHouseHttp(options: ClickHouseHttpOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: MAX_QUERY_BYTES,
    logger: {
      level: options.logLevel,
      redact: [...REDACTED_LOG_PATHS, 'req.headers["x-clickhouse-key"]'],
      // The URL may carry `password=`: only its path is ever logged.
      serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url.split('?', 1)[0] }) },
    },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.get('/ping', async (_request, reply) => reply.header('content-type', 'text/plain; charset=UTF-8').send('Ok.\n'));
  app.route({ method: ['GET', 'POST'], url: '/', handler: (request, reply) => handle(options, request, reply) });
  app.setNotFoundHandler(async (request, reply) =>
    sendError(reply, exception(36, 'BAD_ARGUMENTS', `there is no handler for ${request.method} ${request.url.split('?', 1)[0]}: queries go to / (GET or POST)`)),
  );
  app.setErrorHandler(async (err: Error & { statusCode?: number }, request, reply) => {
    if (err.statusCode === 413) return sendError(reply, exception(393, 'QUERY_IS_TOO_LARGE', `the query is larger than ${MAX_QUERY_BYTES} bytes`));
    request.log.error({ err }, 'ClickHouse endpoint request failed');
    return sendError(reply, exception(1002, 'UNKNOWN_EXCEPTION', err.message));
  });
  return app;
}
