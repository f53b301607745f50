// Server placement through a ClickHouse-speaking endpoint that fails for a while, goes down, and
// is not even up when the collector starts: ingest keeps answering 200 (spans queue on disk), the
// backlog drains when the server is back, nothing is lost or duplicated, and only past the queue
// budget does ingest answer 503 + Retry-After (never 500).
import { afterEach, describe, expect, it } from 'vitest';
import { startClickHouseDouble, freePort, type ClickHouseDouble } from './helpers/clickhouse-double-process.js';
import { startCollectorProcess, type CollectorProcess } from './helpers/collector-process.js';
import { otlpJsonRequest } from './helpers/otlp-json.js';

let nextRequest = 0;
function request(spans = 20): string {
  return otlpJsonRequest({ service: 'outage', count: spans, firstId: nextRequest++ * 100 + 1, durationNs: 1_000_000n });
}

async function send(c: CollectorProcess): Promise<Response> {
  const res = await fetch(`${c.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request() });
  await res.clone().arrayBuffer();
  return res;
}

async function sendMany(c: CollectorProcess, n: number): Promise<void> {
  for (let i = 0; i < n; i++) expect((await send(c)).status).toBe(200);
}

/** Insert attempts that failed so far, from the collector's own metrics. */
async function insertFailures(c: CollectorProcess): Promise<number> {
  const text = await (await fetch(`${c.apiUrl}/metrics`)).text();
  return Number(/^verdict_insert_failures_total (\d+)$/m.exec(text)![1]);
}

/** Waits (bounded) until the collector has tried and failed to insert since `before`: the outage was real. */
async function sawFailedInsert(c: CollectorProcess, before: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if ((await insertFailures(c)) > before) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** What the server holds once the collector has inserted everything it acknowledged. */
async function stored(c: CollectorProcess, server: ClickHouseDouble): Promise<{ n: number; distinct: number }> {
  await c.flush();
  const [row] = await server.query("SELECT count() AS n, uniqExact(SpanId) AS distinct FROM otel_traces WHERE ServiceName = 'outage'");
  return { n: Number(row.n), distinct: Number(row.distinct) };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f().catch(() => {});
});

describe('ClickHouse server outage', () => {
  it('keeps accepting while the server fails, is down, or was never up; the backlog drains exactly once', async () => {
    // Down from the start: the collector starts anyway and queues.
    const port = await freePort();
    const collector = await startCollectorProcess({ args: ['--clickhouse-url', `http://127.0.0.1:${port}`, '--batch-max-delay-ms', '20'] });
    cleanups.push(() => collector.stop());
    await sendMany(collector, 5);

    let server: ClickHouseDouble = await startClickHouseDouble({ port });
    cleanups.push(() => server.kill());
    expect(await stored(collector, server)).toEqual({ n: 100, distinct: 100 });

    // Failing: every query answered 503 for a while.
    let failures = await insertFailures(collector);
    await server.setMode('fail');
    await sendMany(collector, 5);
    expect(await sawFailedInsert(collector, failures)).toBe(true);
    await server.setMode('ok');
    expect(await stored(collector, server)).toEqual({ n: 200, distinct: 200 });

    // Gone: the process is killed, then comes back on the same port with the same data.
    failures = await insertFailures(collector);
    await server.kill();
    await sendMany(collector, 5);
    expect(await sawFailedInsert(collector, failures)).toBe(true);
    server = await startClickHouseDouble({ port, dataDir: server.dataDir });
    cleanups.push(() => server.kill());
    expect(await stored(collector, server)).toEqual({ n: 300, distinct: 300 });
  }, 90_000);

  it('answers 503 + Retry-After only beyond the queue budget, and accepts again once drained', async () => {
    const server = await startClickHouseDouble();
    cleanups.push(() => server.kill());
    const collector = await startCollectorProcess({
      args: ['--clickhouse-url', server.url, '--batch-max-delay-ms', '20', '--queue-max-bytes', '20000'],
    });
    cleanups.push(() => collector.stop());
    await sendMany(collector, 1);
    expect(await stored(collector, server)).toEqual({ n: 20, distinct: 20 });

    await server.setMode('fail');
    let acked = 0;
    let refused: Response | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const res = await send(collector);
      if (res.status === 200) acked++;
      else refused = res;
    }
    expect(acked).toBeGreaterThan(0);
    expect(refused?.status).toBe(503);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused!.json()) as { code: number; message: string }).message).toContain('durable queue is full');

    await server.setMode('ok');
    expect(await stored(collector, server)).toEqual({ n: 20 * (1 + acked), distinct: 20 * (1 + acked) });
    expect((await send(collector)).status).toBe(200);
  }, 90_000);

  it('SIGTERM while the server fails: exits 0 within the shutdown timeout, the rest is inserted at the next start', async () => {
    const server = await startClickHouseDouble();
    cleanups.push(() => server.kill());
    // A collector stopped while the server fails cannot release a lock it holds (the settle lock).
    // Restarted on the same data directory, it finds its earlier holder there and takes the lock
    // back at once (schema/lease-holders.ts); the lease stays short so that, were that to fail, the
    // takeover after the lease would still fall inside the flush's 30 s.
    const args = ['--clickhouse-url', server.url, '--batch-max-delay-ms', '20', '--shutdown-timeout-ms', '500', '--lock-lease-ms', '3000'];
    const first = await startCollectorProcess({ args });
    cleanups.push(() => first.stop());
    await sendMany(first, 1);
    expect(await stored(first, server)).toEqual({ n: 20, distinct: 20 });
    await server.setMode('fail');
    await sendMany(first, 3);
    expect(await first.stop()).toBe(0);
    expect(first.output()).toContain('SIGTERM received');

    await server.setMode('ok');
    const second = await startCollectorProcess({ args, dataDir: first.dataDir });
    cleanups.push(() => second.stop());
    expect(await stored(second, server)).toEqual({ n: 80, distinct: 80 });
  }, 90_000);
});
