// OTLP/gRPC against OTLP/HTTP protobuf through one `verdict serve` process: the same SDK-made
// requests, the same number of concurrent calls, rounds alternating between the transports so
// neither gets the warmer process. Run: npm run build && node dist/bench/grpc-vs-http.js
import { Client, credentials, status, type ServiceError } from '@grpc/grpc-js';
import http from 'node:http';
import { rmSync } from 'node:fs';
import { TRACE_EXPORT_PATH } from '../collector/grpc-receiver.js';
import { startCollectorProcess } from '../test/helpers/collector-process.js';
import { makeProtobufRequests } from './span-fixtures.js';

const DISTINCT_SPANS = Number(process.env.BENCH_SPANS ?? 20_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SPANS_PER_REQUEST = 512;

type Send = (body: Buffer) => Promise<boolean>;

function log(line: string): void {
  process.stdout.write(line + '\n');
}

const perSecond = (spans: number, ms: number): number => Math.round((spans / ms) * 1000);

async function main(): Promise<void> {
  const bodies = makeProtobufRequests({ spans: DISTINCT_SPANS, spansPerRequest: SPANS_PER_REQUEST });
  const perRound = DISTINCT_SPANS * REPEAT;
  log(`${bodies.length} requests of ≤${SPANS_PER_REQUEST} spans, each sent ${REPEAT}× per round (${perRound} spans), ${CONCURRENCY} calls in flight, ${ROUNDS} rounds per transport`);

  const collector = await startCollectorProcess();
  const url = new URL('/v1/traces', collector.otlpHttpUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  // One channel, as an OTLP gRPC exporter uses: calls are multiplexed on one HTTP/2 connection.
  const client = new Client(collector.otlpGrpcUrl!.replace(/^http:\/\//, ''), credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
  });
  const raw = (b: Buffer): Buffer => b;

  const transports: Record<string, Send> = {
    'OTLP/HTTP protobuf': (body) =>
      new Promise((resolve, reject) => {
        const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
        });
        req.on('error', reject);
        req.end(body);
      }),
    'OTLP/gRPC': (body) =>
      new Promise((resolve) => {
        client.makeUnaryRequest(TRACE_EXPORT_PATH, raw, raw, body, (err: ServiceError | null) => resolve(!err || err.code === status.OK));
      }),
  };

  async function round(send: Send): Promise<{ ack: number; e2e: number; failed: number }> {
    let next = 0;
    let failed = 0;
    const jobs = REPEAT * bodies.length;
    const worker = async () => {
      while (next < jobs) if (!(await send(bodies[next++ % bodies.length]))) failed++;
    };
    const t = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const ackMs = performance.now() - t;
    await collector.flush();
    const e2eMs = performance.now() - t;
    return { ack: perSecond(perRound, ackMs), e2e: perSecond(perRound, e2eMs), failed };
  }

  const results: Record<string, Array<{ ack: number; e2e: number; failed: number }>> = {};
  await round(transports['OTLP/HTTP protobuf']); // warm-up, not counted
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, send] of r % 2 === 0 ? Object.entries(transports) : Object.entries(transports).reverse()) {
      (results[name] ??= []).push(await round(send));
    }
  }
  const stored = Number((await collector.sql('SELECT count() AS c FROM otel_traces'))[0].c);
  client.close();
  agent.destroy();
  await collector.stop();
  rmSync(collector.dataDir, { recursive: true, force: true });

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  log('');
  log('transport             acknowledged (median)   end to end, stored (median)   failed');
  for (const [name, rs] of Object.entries(results)) {
    log(
      `${name.padEnd(22)}${`${median(rs.map((x) => x.ack)).toLocaleString('en-US')} spans/s`.padEnd(24)}` +
        `${`${median(rs.map((x) => x.e2e)).toLocaleString('en-US')} spans/s`.padEnd(30)}${rs.reduce((n, x) => n + x.failed, 0)}`,
    );
  }
  log(`(${stored} rows stored in total, warm-up included)`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
