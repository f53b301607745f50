// --max-concurrent-requests bounds export calls for the whole process, OTLP/gRPC and OTLP/HTTP
// together, however many connections carry them: each connection is told the limit as its HTTP/2
// concurrent-stream limit (one client waits), and a call beyond the process-wide count is answered
// RESOURCE_EXHAUSTED with RetryInfo before its message is read (an HTTP export 429 + Retry-After).
import { status } from '@grpc/grpc-js';
import { once } from 'node:events';
import { connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRACE_EXPORT_PATH } from '../collector/grpc-receiver.js';
import type { RunningCollector } from '../service/start.js';
import { grpcFrame, rawGrpcCall } from './helpers/grpc-raw.js';
import { postOtlp, rows, startTestCollector } from './helpers/in-process-collector.js';
import { otlpJsonRequest } from './helpers/otlp-json.js';
import { fields, protoExportRequest, protoSpan } from './helpers/protobuf-writer.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector({ 'max-concurrent-requests': '3', 'log-level': 'silent' });
});
afterAll(async () => {
  await c?.close();
});

const request = (i: number) => grpcFrame(protoExportRequest('stream-limit', [protoSpan('0102030405060708090a0b0c0d0e0f40', `01020304050607${(0x40 + i).toString(16)}`, 'held')]));

interface HeldCall {
  session: ClientHttp2Session;
  stream: ClientHttp2Stream;
  /** The call's grpc-status once it ends. */
  done: Promise<number | undefined>;
}

/** A call on a connection of its own whose message is half sent: it holds a slot until finished. */
async function holdCall(body: Buffer): Promise<HeldCall> {
  const session = connect(c.otlpGrpcUrl);
  session.on('error', () => {});
  await once(session, 'connect');
  const stream = session.request({ ':method': 'POST', ':path': TRACE_EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers' });
  let code: number | undefined;
  const take = (h: Record<string, unknown>) => {
    if (h['grpc-status'] !== undefined) code = Number(h['grpc-status']);
  };
  stream.on('response', take);
  stream.on('trailers', take);
  stream.on('error', () => {});
  stream.resume();
  const done = new Promise<number | undefined>((resolve) => stream.on('close', () => resolve(code)));
  stream.write(body.subarray(0, 10));
  // The server handles a connection's frames in order, the call's HEADERS (where the slot is
  // taken, synchronously) before the PING it acknowledges.
  await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
  return { session, stream, done };
}

describe('OTLP/gRPC concurrency', () => {
  it('advertises --max-concurrent-requests as the HTTP/2 concurrent-stream limit', async () => {
    const session = connect(c.otlpGrpcUrl);
    try {
      const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve, reject) => {
        session.once('remoteSettings', resolve);
        session.once('error', reject);
      });
      expect(settings.maxConcurrentStreams).toBe(3);
    } finally {
      session.close();
    }
  });

  it('bounds calls across connections: beyond the limit RESOURCE_EXHAUSTED with RetryInfo (HTTP: 429), served again once one ends', async () => {
    const held = [await holdCall(request(0)), await holdCall(request(1)), await holdCall(request(2))];
    try {
      const refused = await rawGrpcCall(c.otlpGrpcAddress, { body: request(3) });
      expect(refused.grpcStatus).toBe(status.RESOURCE_EXHAUSTED);
      expect(refused.grpcMessage).toBe('too many concurrent export requests (limit 3), retry later');
      // google.rpc.Status { details (3): Any { type_url (1): RetryInfo } }
      expect((fields(fields(refused.statusDetails!).get(3) as Buffer).get(1) as Buffer).toString()).toBe('type.googleapis.com/google.rpc.RetryInfo');
      const http = await postOtlp(c, otlpJsonRequest({ service: 'stream-limit-http', count: 1 }), { 'content-type': 'application/json' });
      expect(http.status).toBe(429);
      expect(http.headers.get('retry-after')).toBe('2');

      // One held call finishes its message: it is stored, and its slot serves the next call.
      held[0].stream.end(request(0).subarray(10));
      expect(await held[0].done).toBe(status.OK);
      expect((await rawGrpcCall(c.otlpGrpcAddress, { body: request(4) })).grpcStatus).toBe(status.OK);
    } finally {
      for (const h of held) {
        h.stream.close();
        h.session.close();
      }
    }
    // The calls cancelled mid-message gave their slots back too.
    await Promise.all(held.map((h) => h.done));
    expect((await rawGrpcCall(c.otlpGrpcAddress, { body: request(5) })).grpcStatus).toBe(status.OK);
    expect(await rows(c, "SELECT count() AS n FROM otel_traces WHERE ServiceName = 'stream-limit'")).toEqual([{ n: 3 }]);
  });
});

