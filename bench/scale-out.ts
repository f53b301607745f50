// npm run bench:scale-out — the numbers docs/scale-out.md's capacity plan uses, for one collector
// storing into a ClickHouse server (the test double: a real engine in its own process, so the
// collector's and the engine's CPU are measured apart): spans per collector CPU-second, the
// collector's memory idle and at its peak, the engine's CPU per span for storing and settling, the
// rollup rows the spans added, and what one take and release of the settle lock costs.
import { createClient } from '@clickhouse/client';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { createLeaseLock } from '../schema/lease-lock.js';
import { startClickHouseDouble } from '../test/helpers/clickhouse-double-process.js';
import { startCollectorProcess } from '../test/helpers/collector-process.js';
import { makeProtobufRequests } from './span-fixtures.js';
import { postProtobuf } from './otlp-post.js';

const SPANS = Number(process.env.BENCH_SPANS ?? 200_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LOCK_ROUNDS = Number(process.env.BENCH_LOCK_ROUNDS ?? 30);

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** CPU seconds (user + system) a process has used so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory now and at its peak, in MiB (Linux /proc). */
function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}


async function main(): Promise<void> {
  const loadAtStart = loadavg().map((l) => l.toFixed(1)).join(' ');
  log(`generating ${SPANS.toLocaleString('en-US')} spans with the OpenTelemetry SDK…`);
  const bodies = makeProtobufRequests({ spans: SPANS, spansPerRequest: 512 });
  const server = await startClickHouseDouble();
  const collector = await startCollectorProcess({ args: ['--clickhouse-url', server.url] });
  const pid = collector.child.pid!;
  try {
    await collector.flush();
    const idle = memoryMiB(pid);
    const collectorCpu0 = cpuSeconds(pid);
    const engineCpu0 = cpuSeconds(server.pid);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const url = new URL('/v1/traces', collector.otlpHttpUrl);
    let next = 0;
    let failures = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < bodies.length) if ((await postProtobuf(agent, url, bodies[next++])) !== 200) failures++;
      }),
    );
    await collector.flush();
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    const collectorCpu = cpuSeconds(pid) - collectorCpu0;
    const engineCpu = cpuSeconds(server.pid) - engineCpu0;
    const busy = memoryMiB(pid);
    const rows = await server.query(
      "SELECT table, sum(rows) AS rows FROM system.parts WHERE active AND database = currentDatabase() AND table IN ('otel_traces', 'verdict_trace_parts', 'verdict_traces', 'verdict_rollup_1m', 'verdict_rollup_1h', 'verdict_rollup_1d') GROUP BY table ORDER BY table",
    );

    const client = createClient({ url: server.url });
    const lock = createLeaseLock(client, { name: 'bench', leaseMs: 30_000 });
    let t = performance.now();
    for (let i = 0; i < LOCK_ROUNDS; i++) {
      await lock.acquire();
      await lock.release();
    }
    const lockMs = (performance.now() - t) / LOCK_ROUNDS;
    t = performance.now();
    for (let i = 0; i < LOCK_ROUNDS; i++) await client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json());
    const roundTripMs = (performance.now() - t) / LOCK_ROUNDS;
    await client.close();

    log('');
    log(`${SPANS.toLocaleString('en-US')} spans (OTLP/HTTP protobuf, ${CONCURRENCY} clients, ${failures} refused) stored and settled in ${seconds.toFixed(1)} s: ${Math.round(SPANS / seconds).toLocaleString('en-US')} spans/s`);
    log(`collector: ${collectorCpu.toFixed(1)} CPU s → ${Math.round(SPANS / collectorCpu).toLocaleString('en-US')} spans per collector CPU-second`);
    log(`collector memory: ${idle.rss.toFixed(0)} MiB idle, ${busy.peak.toFixed(0)} MiB peak`);
    log(`engine (store + settle, one statement at a time): ${engineCpu.toFixed(1)} CPU s → ${Math.round(SPANS / engineCpu).toLocaleString('en-US')} spans per engine CPU-second`);
    log(`rows: ${rows.map((r) => `${r.table} ${Number(r.rows).toLocaleString('en-US')}`).join(', ')}`);
    log(`settle lock: one take + release ${lockMs.toFixed(1)} ms through the HTTP endpoint (one SELECT 1 round trip: ${roundTripMs.toFixed(1)} ms)`);
    log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores (at the start: ${loadAtStart})`);
  } finally {
    await collector.stop();
    await server.kill();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:scale-out failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
