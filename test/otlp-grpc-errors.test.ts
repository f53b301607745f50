// Every OTLP/gRPC outcome answers the status code the OTLP spec names (OK with partial success,
// INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNAVAILABLE with RetryInfo), and garbage on the wire (raw
// bytes, broken HTTP/2, malformed gRPC framing, resets) never stops the receiver from serving.
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OverloadedError } from '../collector/queue/errors.js';
import type { RunningCollector } from '../service/start.js';
import { createIngestor } from '../collector/ingest.js';
import { DEFAULT_SPAN_LIMITS } from '../collector/encode/model-rows.js';
import { createOtlpGrpcReceiver, TRACE_EXPORT_PATH, type OtlpGrpcReceiver } from '../collector/grpc-receiver.js';
import { decodeTraceRequestProtobuf } from '../collector/otlp/protobuf-decoder.js';
import { encodeSpanRows } from '../collector/encode/model-rows.js';
import { StoreUnavailableError } from '../store/errors.js';
import { startCollectorProcess } from './helpers/collector-process.js';
import { grpcFrame, rawGrpcCall as rawCall } from './helpers/grpc-raw.js';
import { rows, startTestCollector } from './helpers/in-process-collector.js';
import { type Field, encode, fields, protoExportRequest, protoSpan } from './helpers/protobuf-writer.js';

const LIMIT = 4096;
let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector({ 'max-body-bytes': String(LIMIT) });
});
afterAll(async () => {
  await c?.close();
});

// ---- building requests (by field number, independent of the collector's decoder) ----

const span = protoSpan;
const request = (...spans: Field[]): Buffer => protoExportRequest('grpc-errors-test', spans);

// ---- reading responses ----


async function countByName(name: string): Promise<number> {
  return Number((await rows(c, 'SELECT count() AS n FROM otel_traces WHERE SpanName = {name:String}', { name }))[0].n);
}

// ---- clients ----

interface CallResult {
  code: number;
  details: string;
  metadata?: Metadata;
  response?: Buffer;
}

const raw = (b: Buffer): Buffer => b;

/** A unary call through grpc-js itself, with raw bytes in and out. */
async function call(address: string, body: Buffer, path = TRACE_EXPORT_PATH): Promise<CallResult> {
  const client = new Client(address, credentials.createInsecure());
  try {
    return await new Promise<CallResult>((resolve) => {
      client.makeUnaryRequest(path, raw, raw, body, (err: ServiceError | null, response?: Buffer) => {
        if (err) resolve({ code: err.code, details: err.details, metadata: err.metadata });
        else resolve({ code: status.OK, details: '', response });
      });
    });
  } finally {
    client.close();
  }
}

/**
 * Writes bytes on a plain TCP connection and resolves once the server has refused them: it hangs
 * up, or sends an HTTP/2 GOAWAY frame (after which this client hangs up itself).
 */
async function tcpGarbage(address: string, bytes: Buffer): Promise<'closed' | 'goaway'> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const socket = net.connect({ host, port }, () => socket.write(bytes));
    socket.on('error', () => {});
    socket.on('close', () => resolve('closed'));
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      // HTTP/2 frames: 3-byte length, 1-byte type (7 = GOAWAY), flags, stream id, payload.
      for (let pos = 0; pos + 9 <= received.length; pos += 9 + received.readUIntBE(pos, 3)) {
        if (received[pos + 3] === 7) {
          resolve('goaway');
          socket.destroy();
          return;
        }
      }
    });
  });
}

// ---- the tests ----

describe('OTLP/gRPC success paths', () => {
  it('OK with an empty ExportTraceServiceResponse for an empty request', async () => {
    const res = await call(c.otlpGrpcAddress, Buffer.alloc(0));
    expect(res).toEqual({ code: status.OK, details: '', response: Buffer.alloc(0) });
  });

  it('stores the spans before answering OK', async () => {
    const res = await call(c.otlpGrpcAddress, request(span('0102030405060708090a0b0c0d0e0f20', '0102030405060720', 'grpc-plain')));
    expect(res.code).toBe(status.OK);
    expect(res.response).toEqual(Buffer.alloc(0));
    expect(await rows(c, "SELECT ServiceName, SpanName, Duration FROM otel_traces WHERE SpanName = 'grpc-plain'")).toEqual([
      { ServiceName: 'grpc-errors-test', SpanName: 'grpc-plain', Duration: 500000000 },
    ]);
  });

  it('accepts a gzip-compressed message (grpc-encoding: gzip)', async () => {
    const body = gzipSync(request(span('0102030405060708090a0b0c0d0e0f21', '0102030405060721', 'grpc-gzip')));
    const res = await rawCall(c.otlpGrpcAddress, { body: grpcFrame(body, true), headers: { 'grpc-encoding': 'gzip' } });
    expect(res.grpcStatus).toBe(status.OK);
    expect(await countByName('grpc-gzip')).toBe(1);
  });

  it('OK with partial_success: valid spans stored, invalid ones counted and named', async () => {
    const body = request(
      span('0102030405060708090a0b0c0d0e0f22', '0102030405060722', 'grpc-partial-good'),
      span('00000000000000000000000000000000', '0102030405060723', 'grpc-partial-bad'),
      span('0102030405060708090a0b0c0d0e0f22', '0102', 'grpc-partial-bad'),
    );
    const res = await call(c.otlpGrpcAddress, body);
    expect(res.code).toBe(status.OK);
    // ExportTraceServiceResponse { partial_success (1) { rejected_spans (1), error_message (2) } }
    const partial = fields(fields(res.response!).get(1) as Buffer);
    expect(partial.get(1)).toBe(2);
    const message = (partial.get(2) as Buffer).toString();
    expect(message).toContain('spans[1]: invalid trace_id');
    expect(message).toContain('spans[2]: invalid span_id');
    expect(await countByName('grpc-partial-good')).toBe(1);
    expect(await countByName('grpc-partial-bad')).toBe(0);
  });
});

describe('OTLP/gRPC rejections', () => {
  it('INVALID_ARGUMENT naming the problem for an undecodable message; nothing stored', async () => {
    const good = request(span('0102030405060708090a0b0c0d0e0f23', '0102030405060724', 'grpc-never-stored'));
    const res = await call(c.otlpGrpcAddress, good.subarray(0, good.length - 3));
    expect(res.code).toBe(status.INVALID_ARGUMENT);
    expect(res.details).toMatch(/^cannot decode ExportTraceServiceRequest: .*(runs past the end|truncated)/);
    expect(await countByName('grpc-never-stored')).toBe(0);
  });

  it('INVALID_ARGUMENT for a wrong wire type', async () => {
    const res = await call(c.otlpGrpcAddress, encode([{ n: 1, varint: 5 }]));
    expect(res.code).toBe(status.INVALID_ARGUMENT);
    expect(res.details).toContain('ExportTraceServiceRequest field 1 has wire type 0, expected 2');
  });

  it('RESOURCE_EXHAUSTED over the size limit (the HTTP body limit), compressed or not', async () => {
    const big = await call(c.otlpGrpcAddress, Buffer.alloc(LIMIT + 1));
    expect(big.code).toBe(status.RESOURCE_EXHAUSTED);
    // At the limit exactly is still accepted (and decoded: 4096 zero bytes are not a valid request).
    expect((await call(c.otlpGrpcAddress, Buffer.alloc(LIMIT))).code).toBe(status.INVALID_ARGUMENT);
    // A gzip bomb is stopped while inflating, not after.
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(LIMIT * 20);
    const bombed = await rawCall(c.otlpGrpcAddress, { body: grpcFrame(bomb, true), headers: { 'grpc-encoding': 'gzip' } });
    expect(bombed.grpcStatus).toBe(status.RESOURCE_EXHAUSTED);
    // One byte over once inflated, though small on the wire.
    const small = gzipSync(Buffer.alloc(LIMIT + 1));
    expect(small.length).toBeLessThan(LIMIT);
    const res = await rawCall(c.otlpGrpcAddress, { body: grpcFrame(small, true), headers: { 'grpc-encoding': 'gzip' } });
    expect(res.grpcStatus).toBe(status.RESOURCE_EXHAUSTED);
    expect(res.grpcMessage).toContain(`larger than ${LIMIT}`);
  });

  it('UNIMPLEMENTED for another method or an unsupported grpc-encoding', async () => {
    const other = await call(c.otlpGrpcAddress, Buffer.alloc(0), '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export');
    expect(other.code).toBe(status.UNIMPLEMENTED);
    const snappy = await rawCall(c.otlpGrpcAddress, { body: grpcFrame(Buffer.from('xx'), true), headers: { 'grpc-encoding': 'snappy' } });
    expect(snappy.grpcStatus).toBe(status.UNIMPLEMENTED);
  });

  it('INVALID_ARGUMENT for a message flagged gzip that does not inflate (grpc-js decides it before the handler, as INTERNAL)', async () => {
    const name = 'grpc-not-gzip';
    const res = await rawCall(c.otlpGrpcAddress, { body: grpcFrame(Buffer.from('definitely not gzip'), true), headers: { 'grpc-encoding': 'gzip' } });
    expect(res.grpcStatus).toBe(status.INVALID_ARGUMENT);
    expect(res.grpcMessage).toBe('the message does not inflate with its grpc-encoding (not valid compressed data)');
    // Cut short after valid gzip began: the same.
    const cut = gzipSync(request(span('0102030405060708090a0b0c0d0e0f29', '0102030405060729', name)));
    const truncated = await rawCall(c.otlpGrpcAddress, { body: grpcFrame(cut.subarray(0, cut.length - 8), true), headers: { 'grpc-encoding': 'gzip' } });
    expect(truncated.grpcStatus).toBe(status.INVALID_ARGUMENT);
    expect(await countByName(name)).toBe(0);
  });

  it('INVALID_ARGUMENT for a grpc-timeout that is not a timeout, the handler never runs; a valid one is honoured', async () => {
    const body = (name: string, id: string) => grpcFrame(request(span('0102030405060708090a0b0c0d0e0f2a', id, name)));
    for (const timeout of ['xyz', '', 'S', '10s', 'ten seconds']) {
      const res = await rawCall(c.otlpGrpcAddress, { body: body('grpc-bad-timeout', '010203040506072a'), headers: { 'grpc-timeout': timeout } });
      expect(res.grpcStatus, timeout).toBe(status.INVALID_ARGUMENT);
      expect(res.grpcMessage, timeout).toMatch(/^grpc-timeout ".*" is not a timeout: send up to 8 digits and a unit/);
    }
    const ok = await rawCall(c.otlpGrpcAddress, { body: body('grpc-good-timeout', '010203040506072b'), headers: { 'grpc-timeout': '10S' } });
    expect(ok.grpcStatus).toBe(status.OK);
    expect(await countByName('grpc-bad-timeout')).toBe(0);
    expect(await countByName('grpc-good-timeout')).toBe(1);
  });

  it('INVALID_ARGUMENT for a call without a whole message or with two (grpc-js says UNIMPLEMENTED); nothing stored', async () => {
    const valid = request(span('0102030405060708090a0b0c0d0e0f2c', '010203040506072c', 'grpc-framing'));
    const cases: [string, Buffer][] = [
      ['no body at all', Buffer.alloc(0)],
      ['half a frame prefix', Buffer.from([0, 0, 0])],
      ['a frame shorter than its length', grpcFrame(Buffer.from('0123456789'), false, 1000)],
      ['two messages', Buffer.concat([grpcFrame(valid), grpcFrame(valid)])],
    ];
    for (const [what, body] of cases) {
      const res = await rawCall(c.otlpGrpcAddress, { body });
      expect(res.grpcStatus, what).toBe(status.INVALID_ARGUMENT);
      expect(res.grpcMessage, what).toMatch(what === 'two messages' ? /carries one ExportTraceServiceRequest; this one carried a second/ : /ended without a whole ExportTraceServiceRequest/);
    }
    expect(await countByName('grpc-framing')).toBe(0);
  });
});

describe('OTLP/gRPC survives garbage', () => {
  it('keeps serving after raw bytes, broken HTTP/2, malformed gRPC framing and resets', async () => {
    const address = c.otlpGrpcAddress;
    // Not HTTP/2 at all.
    expect(await tcpGarbage(address, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toMatch(/closed|goaway/);
    expect(await tcpGarbage(address, Buffer.alloc(64, 0xff))).toMatch(/closed|goaway/);
    // The HTTP/2 preface, then a frame header announcing 16 MiB - 1 (over the frame size limit)...
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    expect(await tcpGarbage(address, Buffer.concat([preface, Buffer.from([0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])]))).toMatch(/closed|goaway/);
    // ...a SETTINGS frame whose length is not a multiple of 6...
    expect(await tcpGarbage(address, Buffer.concat([preface, Buffer.from([0x00, 0x00, 0x05, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5])]))).toMatch(/closed|goaway/);
    // ...and HEADERS on stream 0, which no stream may use.
    expect(await tcpGarbage(address, Buffer.concat([preface, Buffer.from([0x00, 0x00, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x82])]))).toMatch(/closed|goaway/);

    // Malformed gRPC framing (each answered INVALID_ARGUMENT, see above).
    const valid = request(span('0102030405060708090a0b0c0d0e0f24', '0102030405060725', 'grpc-two-messages'));
    expect((await rawCall(address, { body: grpcFrame(Buffer.from('0123456789'), false, 1000) })).grpcStatus).toBe(status.INVALID_ARGUMENT);
    expect((await rawCall(address, { body: Buffer.concat([grpcFrame(valid), grpcFrame(valid)]) })).grpcStatus).toBe(status.INVALID_ARGUMENT);
    // A stream cancelled mid-message.
    await rawCall(address, { body: grpcFrame(valid).subarray(0, 20), resetAfterWrite: true });
    // Not gRPC's content type.
    const json = await rawCall(address, { body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } });
    expect(json.httpStatus).toBe(415);

    // Still serving, and the cancelled or rejected requests stored nothing.
    const after = await call(address, request(span('0102030405060708090a0b0c0d0e0f25', '0102030405060726', 'grpc-after-garbage')));
    expect(after.code).toBe(status.OK);
    expect(await countByName('grpc-after-garbage')).toBe(1);
    expect(await countByName('grpc-two-messages')).toBe(0);
  });
});

/** google.rpc.Status { details (3): [Any { type_url (1), value (2): RetryInfo { retry_delay (1): Duration { seconds (1) } } }] } */
function retryDelaySeconds(metadata: Metadata | undefined): { code: number; typeUrl: string; seconds: number } {
  const bin = metadata?.get('grpc-status-details-bin')[0] as Buffer;
  const st = fields(bin);
  const any = fields(st.get(3) as Buffer);
  const duration = fields(fields(any.get(2) as Buffer).get(1) as Buffer);
  return { code: st.get(1) as number, typeUrl: (any.get(1) as Buffer).toString(), seconds: duration.get(1) as number };
}

describe('OTLP/gRPC when storage cannot take more', () => {
  it('RESOURCE_EXHAUSTED without RetryInfo for a request larger than the whole queue; UNAVAILABLE with RetryInfo once it is full; nothing half-stored', async () => {
    // A budget of exactly one one-span request: it fits and fills the queue (no seal, so its bytes
    // stay queued); a two-span request can never fit, even into the empty queue. Names of equal
    // length make the one-span requests equally large.
    const filler = request(span('0102030405060708090a0b0c0d0e0f26', '0102030405060727', 'grpc-filler'));
    const budget = encodeSpanRows(decodeTraceRequestProtobuf(filler)).bytes.length;
    const child = await startCollectorProcess({ args: ['--queue-max-bytes', String(budget), '--batch-max-delay-ms', '600000', '--batch-max-rows', '1000000'] });
    try {
      const address = child.otlpGrpcUrl!.replace(/^http:\/\//, '');
      const tooLarge = await call(address, request(
        span('0102030405060708090a0b0c0d0e0f26', '0102030405060728', 'grpc-too-large'),
        span('0102030405060708090a0b0c0d0e0f26', '0102030405060729', 'grpc-too-large'),
      ));
      expect(tooLarge.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(tooLarge.details).toMatch(/more than the whole durable queue/);
      expect(tooLarge.metadata?.get('grpc-status-details-bin') ?? []).toEqual([]);

      expect((await call(address, filler)).code).toBe(status.OK);
      const res = await call(address, request(span('0102030405060708090a0b0c0d0e0f26', '0102030405060730', 'grpc-refuse')));
      expect(res.code).toBe(status.UNAVAILABLE);
      expect(res.details).toContain('retry later');
      expect(retryDelaySeconds(res.metadata)).toEqual({ code: status.UNAVAILABLE, typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', seconds: 2 });
      await child.flush();
      expect(await child.sql('SELECT SpanName AS name, count() AS n FROM otel_traces GROUP BY name')).toEqual([{ name: 'grpc-filler', n: 1 }]);
    } finally {
      expect(await child.stop()).toBe(0);
    }
  });

  describe('the receiver alone, with an ingestor that fails', () => {
    let failure: Error;
    let receiver: OtlpGrpcReceiver;
    let address: string;
    beforeAll(async () => {
      // A real ingestor whose queue fails as the case says.
      const ingestor = createIngestor({ append: async () => Promise.reject(failure) }, DEFAULT_SPAN_LIMITS);
      receiver = createOtlpGrpcReceiver({ ingestor, maxMessageBytes: LIMIT, retryAfterSeconds: 7 });
      address = await receiver.listen('127.0.0.1', 0);
    });
    afterAll(async () => {
      await receiver?.close();
    });

    it.each([
      ['storage unavailable', () => new StoreUnavailableError('ClickHouse server rejected a batch: connection refused')],
      ['queue full', () => new OverloadedError('more than 1 bytes of spans are waiting to be stored')],
    ])('UNAVAILABLE with RetryInfo when %s', async (_name, makeError) => {
      failure = makeError();
      const res = await call(address, request(span('0102030405060708090a0b0c0d0e0f27', '0102030405060728', 'x')));
      expect(res.code).toBe(status.UNAVAILABLE);
      expect(res.details).toBe(`spans not stored, retry later: ${failure.message}`);
      expect(retryDelaySeconds(res.metadata).seconds).toBe(7);
    });

    it('INTERNAL (not retryable) for an unexpected failure, and keeps serving', async () => {
      failure = new Error('bug');
      const res = await call(address, request(span('0102030405060708090a0b0c0d0e0f28', '0102030405060729', 'x')));
      expect(res).toMatchObject({ code: status.INTERNAL, details: 'bug' });
      expect((await call(address, Buffer.from([0xff]))).code).toBe(status.INVALID_ARGUMENT);
    });
  });
});

describe('OTLP/gRPC shutdown', () => {
  it('completes while a client holds a broken connection open, and hangs up on that client', async () => {
    const ingestor = createIngestor({ append: async () => {} }, DEFAULT_SPAN_LIMITS);
    const receiver = createOtlpGrpcReceiver({ ingestor, maxMessageBytes: LIMIT, shutdownGraceMs: 50 });
    const address = await receiver.listen('127.0.0.1', 0);
    // A peer that sends a bad SETTINGS frame, gets GOAWAY, and keeps the socket open regardless.
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    const hungUp = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const goaway = new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 5, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5])]));
    await goaway;
    await receiver.close();
    await hungUp;
    expect((await call(address, Buffer.alloc(0))).code).toBe(status.UNAVAILABLE);
  });
});
