// Every rejection path of the OTLP/HTTP receiver answers the status the OTLP spec names, with a
// google.rpc.Status body in the request's encoding, and the collector keeps serving afterwards.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { decodeTraceRequestJson } from '../collector/otlp/json-decoder.js';
import { encodeSpanRows } from '../collector/encode/model-rows.js';
import { startCollectorProcess } from './helpers/collector-process.js';
import { postOtlp, rows, startTestCollector } from './helpers/in-process-collector.js';
import { encode, fields, parseStatus, protoExportRequest, protoSpan, type Field } from './helpers/protobuf-writer.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector({ 'max-body-bytes': '4096' });
});
afterAll(async () => {
  await c?.close();
});

const PROTO = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };



const span = protoSpan;
const request = (...spans: Field[]): Buffer => protoExportRequest('errors-test', spans);

async function countByName(name: string): Promise<number> {
  return Number((await rows(c, 'SELECT count() AS n FROM otel_traces WHERE SpanName = {name:String}', { name }))[0].n);
}

describe('OTLP/HTTP rejections', () => {
  it('415 for an unknown content type, as a JSON Status', async () => {
    const res = await postOtlp(c, 'hello', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(JSON.parse(res.body.toString())).toEqual({ code: 3, message: expect.stringContaining('unsupported Content-Type "text/plain"') });
  });

  it('415 for an unknown content encoding', async () => {
    const res = await postOtlp(c, request(), { ...PROTO, 'content-encoding': 'br' });
    expect(res.status).toBe(415);
    expect(parseStatus(res.body).message).toContain('unsupported Content-Encoding "br"');
  });

  it('405 with Allow: POST for other methods', async () => {
    const res = await fetch(`${c.otlpHttpUrl}/v1/traces`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(((await res.json()) as { code: number }).code).toBe(12);
  });

  it('405 with Allow: POST for every other method, whatever body or Content-Type it carries (no 400 or 415 from parsing it)', async () => {
    const contentTypes: (string | undefined)[] = [undefined, 'text/plain', ';', 'application/x-protobuf', 'application/json'];
    for (const method of ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      for (const contentType of contentTypes) {
        const withBody = method !== 'GET' && method !== 'HEAD';
        const res = await fetch(`${c.otlpHttpUrl}/v1/traces`, {
          method,
          headers: contentType ? { 'content-type': contentType } : {},
          body: withBody ? '{"resourceSpans": []}' : undefined,
        });
        const what = `${method} ${contentType ?? '(no Content-Type)'}`;
        expect(res.status, what).toBe(405);
        expect(res.headers.get('allow'), what).toBe('POST');
        if (method !== 'HEAD') expect(await res.json(), what).toEqual({ code: 12, message: 'method not allowed: OTLP/HTTP uses POST' });
      }
    }
  });

  it('400 for an undecodable protobuf body, as a protobuf Status naming the problem', async () => {
    const good = request(span('0102030405060708090a0b0c0d0e0f10', '0102030405060708', 'never-stored'));
    const truncated = good.subarray(0, good.length - 3);
    const res = await postOtlp(c, truncated, PROTO);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = parseStatus(res.body);
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/cannot decode ExportTraceServiceRequest: .*(runs past the end|truncated)/);
    expect(await countByName('never-stored')).toBe(0);
  });

  it('400 for a wrong wire type', async () => {
    const res = await postOtlp(c, encode([{ n: 1, varint: 5 }]), PROTO);
    expect(res.status).toBe(400);
    expect(parseStatus(res.body).message).toContain('ExportTraceServiceRequest field 1 has wire type 0, expected 2');
  });

  it('400 for invalid JSON and for JSON of the wrong shape', async () => {
    const bad = await postOtlp(c, '{"resourceSpans": [', JSON_CT);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString()).message).toContain('invalid JSON');
    const wrong = await postOtlp(c, JSON.stringify({ resourceSpans: 'nope' }), JSON_CT);
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body.toString()).message).toContain('resourceSpans: expected an array, got string');
  });

  it('413 over the decompressed size limit, also for a small gzip bomb', async () => {
    const big = await postOtlp(c, Buffer.alloc(5000), PROTO);
    expect(big.status).toBe(413);
    expect(parseStatus(big.body)).toEqual({ code: 8, message: expect.stringContaining('exceeds the limit of 4096 bytes') });
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(4096 * 20);
    const res = await postOtlp(c, bomb, { ...PROTO, 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
  });

  it('400 for a body that is not valid gzip', async () => {
    const res = await postOtlp(c, Buffer.from('definitely not gzip'), { ...JSON_CT, 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString()).message).toContain('not valid gzip');
  });

  it('200 with partial success: valid spans stored, invalid ones counted and named', async () => {
    const body = request(
      span('0102030405060708090a0b0c0d0e0f11', '0102030405060709', 'partial-good'),
      span('00000000000000000000000000000000', '010203040506070a', 'partial-bad'),
      span('0102030405060708090a0b0c0d0e0f11', '0102', 'partial-bad'),
    );
    const res = await postOtlp(c, body, PROTO);
    expect(res.status).toBe(200);
    // ExportTraceServiceResponse { partial_success (1) { rejected_spans (1), error_message (2) } }
    const partial = fields(fields(res.body).get(1) as Buffer);
    expect(partial.get(1)).toBe(2);
    const message = (partial.get(2) as Buffer).toString();
    expect(message).toContain('spans[1]: invalid trace_id');
    expect(message).toContain('spans[2]: invalid span_id');
    expect(await countByName('partial-good')).toBe(1);
    expect(await countByName('partial-bad')).toBe(0);
  });

  it('accepts gzip-compressed JSON and keeps serving after all of the above', async () => {
    const doc = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0102030405060708090a0b0c0d0e0f12', spanId: '0102030405060710', name: 'after-errors', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000000000001' }] }] }],
    };
    const res = await postOtlp(c, gzipSync(JSON.stringify(doc)), { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({});
    expect(await countByName('after-errors')).toBe(1);
  });
});

describe('OTLP/HTTP when storage cannot take more', () => {
  const doc = (...names: string[]) => JSON.stringify({
    resourceSpans: [{ scopeSpans: [{ spans: names.map((name, i) => ({ traceId: '0102030405060708090a0b0c0d0e0f13', spanId: `01020304050607${(0x11 + i).toString(16)}`, name, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000000000001' })) }] }],
  });
  const post = (url: string, body: string) => fetch(`${url}/v1/traces`, { method: 'POST', headers: JSON_CT, body });

  it('413 for a request larger than the whole queue, 503 with Retry-After once the queue is full, nothing half-stored', async () => {
    // A budget of exactly one one-span request: it fits and fills the queue (no seal, so its bytes
    // stay queued); a two-span request can never fit, even into the empty queue. Names of equal
    // length make the one-span requests equally large.
    const budget = encodeSpanRows(decodeTraceRequestJson(doc('filler'))).bytes.length;
    const child = await startCollectorProcess({ args: ['--queue-max-bytes', String(budget), '--batch-max-delay-ms', '600000', '--batch-max-rows', '1000000'] });
    try {
      const tooLarge = await post(child.otlpHttpUrl, doc('too-large', 'too-large'));
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers.get('retry-after')).toBeNull();
      const status = (await tooLarge.json()) as { code: number; message: string };
      expect(status.code).toBe(8);
      expect(status.message).toMatch(/more than the whole durable queue .*send smaller batches/);

      expect((await post(child.otlpHttpUrl, doc('filler'))).status).toBe(200);
      const full = await post(child.otlpHttpUrl, doc('refuse'));
      expect(full.status).toBe(503);
      expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await full.json()) as { code: number }).code).toBe(14);

      await child.flush();
      expect(await child.sql('SELECT SpanName AS name, count() AS n FROM otel_traces GROUP BY name')).toEqual([{ name: 'filler', n: 1 }]);
    } finally {
      expect(await child.stop()).toBe(0);
    }
  });
});
