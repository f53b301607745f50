// --max-concurrent-requests bounds OTLP/gRPC too (config: "also the gRPC concurrent-stream
// limit"): each connection is told how many export calls it may have open at once, so one client
// cannot make the collector buffer any number of messages (each up to --max-body-bytes).
import { connect } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { startTestCollector } from './helpers/in-process-collector.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector({ 'max-concurrent-requests': '3', 'log-level': 'silent' });
});
afterAll(async () => {
  await c?.close();
});

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
});
