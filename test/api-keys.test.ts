// API keys from a keys file on a collector in this process: OTLP/HTTP (both encodings), OTLP/gRPC
// and the query API each take only their own kind of key (401 without a known key, 403 with the
// other kind, in each protocol's own error format), the OTel SDK exporters get through with
// OTEL_EXPORTER_OTLP_HEADERS, and only /healthz (plus metrics and readiness on loopback) stay open.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { ApiKeyConfigError, createApiKeys, decide, isLoopbackHost, loadApiKeys, presentedKey } from '../auth/api-keys.js';
import { TRACE_EXPORT_PATH } from '../collector/grpc-receiver.js';
import { postOtlp, rows, startTestCollector } from './helpers/in-process-collector.js';
import { exportOneSpan } from './helpers/sdk-export.js';
import { type Field, encode, hex, parseStatus } from './helpers/protobuf-writer.js';

const key = (label: string) => `${label}-${randomBytes(24).toString('base64url')}`;
const INGEST = key('ingest');
const READ = key('read');
const WRONG = key('ingest');
const dir = mkdtempSync(join(tmpdir(), 'verdict-keys-'));
const keysFile = join(dir, 'keys.json');
writeFileSync(keysFile, JSON.stringify({ ingest: [INGEST], read: [READ] }));

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector({ 'keys-file': keysFile });
});
afterAll(async () => {
  await c?.close();
});

const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

function jsonSpans(service: string, n: number): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: n }, (_, i) => ({
              traceId: (i + 1).toString(16).padStart(32, '0'),
              spanId: (i + 1).toString(16).padStart(16, '0'),
              name: 'keyed',
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000100000000',
            })),
          },
        ],
      },
    ],
  });
}

function protoSpans(service: string): Buffer {
  const resource: Field = { n: 1, message: [{ n: 1, message: [{ n: 1, bytes: 'service.name' }, { n: 2, message: [{ n: 1, bytes: service }] }] }] };
  const span: Field = {
    n: 2,
    message: [
      { n: 1, bytes: hex('0000000000000000000000000000abcd') },
      { n: 2, bytes: hex('000000000000abcd') },
      { n: 5, bytes: 'keyed' },
      { n: 7, fixed64: 1_700_000_000_000_000_000n },
      { n: 8, fixed64: 1_700_000_000_100_000_000n },
    ],
  };
  return encode([{ n: 1, message: [resource, { n: 2, message: [span] }] }]);
}


const count = async (service: string) => Number((await rows(c, 'SELECT count() AS n FROM otel_traces WHERE ServiceName = {s:String}', { s: service }))[0].n);

describe('OTLP/HTTP with API keys', () => {
  const JSON_CT = { 'content-type': 'application/json' };
  const PROTO_CT = { 'content-type': 'application/x-protobuf' };

  it('refuses a missing or unknown key with 401 and a JSON Status, a read key with 403', async () => {
    const missing = await postOtlp(c, jsonSpans('http-refused', 1), JSON_CT);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(missing.headers.get('content-type')).toMatch(/application\/json/);
    expect(JSON.parse(missing.body.toString())).toMatchObject({ code: 16, message: expect.stringMatching(/missing API key/) });

    const wrong = await postOtlp(c, jsonSpans('http-refused', 1), { ...JSON_CT, ...bearer(WRONG) });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body.toString())).toEqual({ code: 16, message: 'unknown API key' });

    // A prefix of the real key, the key with something appended, and the key as the wrong scheme.
    for (const attempt of [bearer(INGEST.slice(0, -1)), bearer(`${INGEST}x`), { authorization: `Basic ${INGEST}` }, { 'x-verdict-api-key': '' }]) {
      expect((await postOtlp(c, jsonSpans('http-refused', 1), { ...JSON_CT, ...attempt })).status).toBe(401);
    }

    const readKey = await postOtlp(c, jsonSpans('http-refused', 1), { ...JSON_CT, ...bearer(READ) });
    expect(readKey.status).toBe(403);
    expect(JSON.parse(readKey.body.toString())).toMatchObject({ code: 7, message: expect.stringMatching(/read key cannot send spans/) });
    expect(await count('http-refused')).toBe(0);
  });

  it('answers refusals in protobuf to protobuf requests, before looking at the body or its type', async () => {
    const missing = await postOtlp(c, protoSpans('http-refused'), PROTO_CT);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('application/x-protobuf');
    expect(parseStatus(missing.body)).toMatchObject({ code: 16 });
    const readKey = await postOtlp(c, protoSpans('http-refused'), { ...PROTO_CT, 'x-verdict-api-key': READ });
    expect(readKey.status).toBe(403);
    expect(parseStatus(readKey.body)).toMatchObject({ code: 7 });
    // Without a key, not even the content type or the body is looked at.
    expect((await postOtlp(c, 'garbage', { 'content-type': 'text/plain' })).status).toBe(401);
    expect((await postOtlp(c, Buffer.from([0xff, 0xff, 0xff]), PROTO_CT)).status).toBe(401);
  });

  it('stores spans sent with an ingest key, as Bearer or x-verdict-api-key', async () => {
    expect((await postOtlp(c, jsonSpans('http-bearer', 3), { ...JSON_CT, ...bearer(INGEST) })).status).toBe(200);
    expect((await postOtlp(c, jsonSpans('http-header', 2), { ...JSON_CT, 'x-verdict-api-key': INGEST })).status).toBe(200);
    expect((await postOtlp(c, protoSpans('http-proto'), { ...PROTO_CT, authorization: `bearer ${INGEST}` })).status).toBe(200);
    expect([await count('http-bearer'), await count('http-header'), await count('http-proto')]).toEqual([3, 2, 1]);
  });
});

describe('OTLP/gRPC with API keys', () => {
  async function call(metadata: Record<string, string>): Promise<{ code: number; details: string }> {
    const client = new Client(c.otlpGrpcAddress, credentials.createInsecure());
    const md = new Metadata();
    for (const [k, v] of Object.entries(metadata)) md.set(k, v);
    try {
      return await new Promise((resolve) => {
        client.makeUnaryRequest(TRACE_EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, protoSpans('grpc-keyed'), md, (err: ServiceError | null) => {
          resolve(err ? { code: err.code, details: err.details } : { code: status.OK, details: '' });
        });
      });
    } finally {
      client.close();
    }
  }

  it('answers UNAUTHENTICATED without a known key and PERMISSION_DENIED with a read key', async () => {
    expect(await call({})).toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringMatching(/missing API key/) });
    expect(await call({ authorization: `Bearer ${WRONG}` })).toEqual({ code: status.UNAUTHENTICATED, details: 'unknown API key' });
    expect(await call({ 'x-verdict-api-key': READ })).toMatchObject({ code: status.PERMISSION_DENIED });
    expect(await count('grpc-keyed')).toBe(0);
  });

  it('stores spans sent with an ingest key in either metadata entry', async () => {
    expect(await call({ authorization: `Bearer ${INGEST}` })).toEqual({ code: status.OK, details: '' });
    expect(await call({ 'x-verdict-api-key': INGEST })).toEqual({ code: status.OK, details: '' });
    expect(await count('grpc-keyed')).toBe(2);
  });
});

describe('OTel SDK exporters configured through OTEL_EXPORTER_OTLP_HEADERS', () => {
  const exportOne = (makeExporter: () => SpanExporter, service: string, headers: string) =>
    exportOneSpan(makeExporter, service, { OTEL_EXPORTER_OTLP_HEADERS: headers });

  it('http/protobuf with x-verdict-api-key, gRPC with authorization=Bearer', async () => {
    expect(await exportOne(() => new ProtoExporter({ url: `${c.otlpHttpUrl}/v1/traces` }), 'sdk-proto', `x-verdict-api-key=${INGEST}`)).toBeUndefined();
    expect(await exportOne(() => new GrpcExporter({ url: c.otlpGrpcUrl }), 'sdk-grpc', `authorization=Bearer%20${INGEST}`)).toBeUndefined();
    expect((await exportOne(() => new ProtoExporter({ url: `${c.otlpHttpUrl}/v1/traces` }), 'sdk-read-key', `x-verdict-api-key=${READ}`))?.message).toMatch(/Forbidden/);
    expect((await exportOne(() => new GrpcExporter({ url: c.otlpGrpcUrl }), 'sdk-no-key', '_=_'))?.message).toMatch(/UNAUTHENTICATED|missing API key/);
    expect([await count('sdk-proto'), await count('sdk-grpc'), await count('sdk-read-key'), await count('sdk-no-key')]).toEqual([1, 1, 0, 0]);
  });
});

describe('query API with API keys', () => {
  async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> | string }> {
    const res = await fetch(`${c.apiUrl}${path}`, { headers });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
    } catch {
      return { status: res.status, body: text };
    }
  }
  const SQL = `/api/sql?query=${encodeURIComponent('SELECT 1 AS one')}`;

  it('needs a read key on /api/*: 401 without a known one, 403 for an ingest key', async () => {
    expect(await get(SQL)).toMatchObject({ status: 401, body: { statusCode: 401, error: expect.stringMatching(/missing API key/) } });
    expect(await get(SQL, bearer(WRONG))).toMatchObject({ status: 401, body: { error: 'unknown API key' } });
    expect(await get(SQL, bearer(INGEST))).toMatchObject({ status: 403, body: { error: expect.stringMatching(/ingest key cannot read/) } });
    expect(await get(SQL, bearer(READ))).toMatchObject({ status: 200, body: { rows: [{ one: 1 }] } });
    expect(await get(SQL, { 'x-verdict-api-key': READ })).toMatchObject({ status: 200 });
    const flush = await fetch(`${c.apiUrl}/api/flush`, { method: 'POST' });
    expect(flush.status).toBe(401);
    // The question routes (a plugin of the API server) are covered the same way.
    for (const path of ['/api/versions', '/api/openapi.json']) {
      expect((await get(path)).status, path).toBe(401);
      expect((await get(path, bearer(INGEST))).status, path).toBe(403);
      expect((await get(path, bearer(READ))).status, path).toBe(200);
    }
    // Unknown paths do not tell a stranger what exists.
    expect((await get('/api/no-such-route')).status).toBe(401);
    expect((await get('/api/no-such-route', bearer(READ))).status).toBe(404);
  });

  it('keeps /healthz open, and /metrics and /readyz open while the API listens on loopback', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await get('/metrics')).status).toBe(200);
    expect(await get('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });
});

describe('api-keys module', () => {
  it('reads the keys file and refuses malformed files and short keys without printing keys', () => {
    const write = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const none = { ingestKeys: [], readKeys: [] };
    expect(loadApiKeys({ ...none, keysFile: keysFile }).counts).toEqual({ ingest: 1, read: 1 });
    const secretish = 'short-secret';
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'missing.json'), /ENOENT/],
      [write('bad.json', `{ "ingest": ["${secretish}"`), /not valid JSON/],
      [write('array.json', '["a"]'), /must be JSON like/],
      [write('field.json', '{ "admin": [] }'), /unknown field "admin"/],
      [write('type.json', '{ "read": "abc" }'), /"read" must be an array of strings/],
      [write('short.json', `{ "read": ["${secretish}"] }`), /12 characters; keys need at least 16/],
    ];
    for (const [path, message] of cases) {
      let error: unknown;
      try {
        loadApiKeys({ ...none, keysFile: path });
      } catch (err) {
        error = err;
      }
      expect(error, path).toBeInstanceOf(ApiKeyConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(secretish);
    }
    expect(() => loadApiKeys({ ingestKeys: ['x'.repeat(15)], readKeys: [] })).toThrow(/15 characters/);
  });

  it('gives each key its roles, a key in both lists both, and nothing to near misses', () => {
    const keys = createApiKeys({ ingest: ['i'.repeat(20), 'both'.repeat(5)], read: ['r'.repeat(40), 'both'.repeat(5)] });
    expect([...keys.roles('i'.repeat(20))]).toEqual(['ingest']);
    expect([...keys.roles('r'.repeat(40))]).toEqual(['read']);
    expect([...keys.roles('both'.repeat(5))].sort()).toEqual(['ingest', 'read']);
    for (const near of ['i'.repeat(19), 'i'.repeat(21), 'r'.repeat(40).toUpperCase(), '', undefined]) expect(keys.roles(near).size).toBe(0);
    expect(decide(createApiKeys({ ingest: [], read: [] }), undefined, 'read')).toEqual({ allowed: true });
  });

  it('finds the key in either header and recognises loopback addresses', () => {
    const from = (h: Record<string, string>) => presentedKey((name) => h[name]);
    expect(from({ authorization: 'Bearer abc' })).toBe('abc');
    expect(from({ authorization: 'bearer   abc  ' })).toBe('abc');
    expect(from({ authorization: 'Basic abc' })).toBeUndefined();
    // RFC 6750: the scheme, then spaces; a tab is not a separator (and gRPC metadata cannot carry one).
    expect(from({ authorization: 'Bearer\tabc' })).toBeUndefined();
    expect(from({ 'x-verdict-api-key': ' \tdef\t ' })).toBe('def');
    expect(from({ authorization: 'Basic abc', 'x-verdict-api-key': 'def' })).toBe('def');
    expect(from({ 'x-verdict-api-key': '  ' })).toBeUndefined();
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.com', '192.168.1.1', '128.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
  });
});
