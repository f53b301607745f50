// npm run bench:sql-isolation — does a heavy users' query hold up ingest? One collector process,
// the same OTLP/HTTP protobuf load three times: unloaded, with a heavy users' query running all the
// while (CPU-bound, restarted whenever a limit ends it), and unloaded again. Per phase: ingest
// acknowledgement latency (p50, p99), acknowledged and stored spans/s, and /readyz answers.
// Target: loaded within 1.5x of unloaded.
import http from 'node:http';
import { rmSync } from 'node:fs';
import { startCollectorProcess, type CollectorProcess } from '../test/helpers/collector-process.js';
import { makeProtobufRequests } from './span-fixtures.js';

const DISTINCT_SPANS = Number(process.env.BENCH_SPANS ?? 20_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 6);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SPANS_PER_REQUEST = 512;
/** A query that keeps one core busy for minutes (stopped by the time limit, then started again). */
const HEAVY = 'SELECT count() FROM numbers(900000000) WHERE NOT ignore(cityHash64(repeat(toString(number), 20)))';

interface PhaseResult {
  label: string;
  ackP50Ms: number;
  ackP99Ms: number;
  ackedSpansPerS: number;
  storedSpansPerS: number;
  readyzNot200: number;
  readyzChecks: number;
}

function log(line: string): void {
  process.stdout.write(line + '\n');
}

/** The response status, or 0 when the request failed (counted, not fatal: a stalled collector is a finding). */
function post(agent: http.Agent, url: URL, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function phase(label: string, collector: CollectorProcess, bodies: Buffer[]): Promise<PhaseResult> {
  const url = new URL('/v1/traces', collector.otlpHttpUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  const jobs = REPEAT * bodies.length;
  let next = 0;
  let failures = 0;
  let readyzChecks = 0;
  let readyzNot200 = 0;
  let sending = true;
  // Readiness polled throughout, as a load balancer would.
  const probe = (async () => {
    while (sending) {
      const res = await fetch(`${collector.apiUrl}/readyz`).catch(() => undefined);
      readyzChecks++;
      if (res?.status !== 200) readyzNot200++;
      await res?.text();
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const worker = async () => {
    while (next < jobs) {
      const body = bodies[next++ % bodies.length];
      const t = performance.now();
      const status = await post(agent, url, body);
      latencies.push(performance.now() - t);
      if (status !== 200) failures++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const ackMs = performance.now() - start;
  await collector.flush().catch((err: Error) => log(`  ${label}: flush failed: ${err.message}`));
  const storedMs = performance.now() - start;
  sending = false;
  await probe;
  agent.destroy();
  if (failures > 0) log(`  ${label}: ${failures} of ${jobs} requests failed`);
  const spans = DISTINCT_SPANS * REPEAT;
  latencies.sort((a, b) => a - b);
  return {
    label,
    ackP50Ms: quantile(latencies, 0.5),
    ackP99Ms: quantile(latencies, 0.99),
    ackedSpansPerS: (spans / ackMs) * 1000,
    storedSpansPerS: (spans / storedMs) * 1000,
    readyzNot200,
    readyzChecks,
  };
}

/** Keeps one heavy users' query running until stopped; returns how many ran and how they ended. */
function heavyLoad(collector: CollectorProcess): { stop(): Promise<string[]> } {
  let running = true;
  const endings: string[] = [];
  let current: AbortController | undefined;
  const loop = (async () => {
    while (running) {
      current = new AbortController();
      const res = await fetch(`${collector.apiUrl}/api/sql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: HEAVY }),
        signal: current.signal,
      }).catch(() => undefined);
      const text = res ? await res.text().catch(() => '') : '';
      endings.push(res ? `${res.status} ${/\(([A-Z_]+)\)/.exec(text)?.[1] ?? text.slice(0, 40)}` : 'aborted');
    }
  })();
  return {
    async stop() {
      running = false;
      current?.abort();
      await loop;
      return endings;
    },
  };
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

async function main(): Promise<void> {
  log(`generating ${DISTINCT_SPANS} spans with the OpenTelemetry SDK…`);
  const bodies = makeProtobufRequests({ spans: DISTINCT_SPANS, spansPerRequest: SPANS_PER_REQUEST });
  log(`each phase: ${REPEAT}× ${bodies.length} requests of ≤${SPANS_PER_REQUEST} spans = ${DISTINCT_SPANS * REPEAT} spans, ${CONCURRENCY} clients`);
  const collector = await startCollectorProcess();
  try {
    // Warm-up, a whole phase: the engine's caches, the queue's segments, the JIT.
    await phase('warm-up', collector, bodies);
    const results: PhaseResult[] = [];
    results.push(await phase('unloaded', collector, bodies));
    const heavy = heavyLoad(collector);
    // The heavy query starts before the load does.
    await new Promise((r) => setTimeout(r, 1000));
    results.push(await phase('heavy users\' query running', collector, bodies));
    const endings = await heavy.stop();
    results.push(await phase('unloaded again', collector, bodies));

    log('');
    log('phase                         ack p50      ack p99      acknowledged     stored           /readyz not 200');
    for (const r of results) {
      log(
        `${r.label.padEnd(30)}${`${fmt(r.ackP50Ms)} ms`.padEnd(13)}${`${fmt(r.ackP99Ms)} ms`.padEnd(13)}${`${fmt(r.ackedSpansPerS, 0)} spans/s`.padEnd(17)}${`${fmt(r.storedSpansPerS, 0)} spans/s`.padEnd(17)}${r.readyzNot200} of ${r.readyzChecks}`,
      );
    }
    const unloaded = {
      p99: (results[0].ackP99Ms + results[2].ackP99Ms) / 2,
      stored: (results[0].storedSpansPerS + results[2].storedSpansPerS) / 2,
    };
    const loaded = results[1];
    log('');
    log(`ack p99, loaded / unloaded (mean of both unloaded phases):        ${fmt(loaded.ackP99Ms / unloaded.p99, 2)}x (target ≤ 1.5x)`);
    log(`stored spans/s, unloaded / loaded:                                ${fmt(unloaded.stored / loaded.storedSpansPerS, 2)}x (target ≤ 1.5x)`);
    log(`heavy queries during the loaded phase: ${endings.length} (${[...new Set(endings)].join(', ')})`);
  } finally {
    await collector.stop();
    rmSync(collector.dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
