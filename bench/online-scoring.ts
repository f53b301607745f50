// npm run bench:online-scoring — what online scoring costs ingest, and whether it keeps up. The same
// OTLP traffic goes through a collector process without a scorer and with a trivial one
// (builtin:output-present), alternating; each run reports end-to-end spans/s and collector CPU per
// 1,000 spans, and the scored run how long after the last span was stored every trace was scored.
// BENCH_SPANS (default 100 000; 2 spans per trace), BENCH_ROUNDS (default 2 pairs).
import http from 'node:http';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { startCollectorProcess } from '../test/helpers/collector-process.js';
import { makeProtobufRequests } from './span-fixtures.js';
import { postProtobuf } from './otlp-post.js';
import { processCpuMs } from './process-cpu.js';

const SPANS = Number(process.env.BENCH_SPANS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = 16;
const SPANS_PER_REQUEST = 512;
const SCORER = 'builtin:output-present';

interface Run {
  scored: boolean;
  e2eSpansPerS: number;
  cpuMsPer1k: number;
  /** From the end of ingest (every span stored) until the last trace was scored. */
  catchUpMs?: number;
  scoredTraces?: number;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function once(scored: boolean, bodies: Buffer[]): Promise<Run> {
  // The quiet time is short so that a trace is scored soon after its last span (the default is 2 s).
  const collector = await startCollectorProcess({ args: scored ? ['--scorer', SCORER, '--scorer-quiet-ms', '500'] : [] });
  try {
    const url = new URL('/v1/traces', collector.otlpHttpUrl);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    let next = 0;
    const worker = async () => {
      while (next < bodies.length) {
        const status = await postProtobuf(agent, url, bodies[next++]);
        if (status !== 200) throw new Error(`export answered ${status}`);
      }
    };
    const cpu0 = processCpuMs(collector.child.pid);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await collector.flush();
    const e2eMs = performance.now() - t0;
    const cpuMs = processCpuMs(collector.child.pid) - cpu0;
    agent.destroy();
    const run: Run = { scored, e2eSpansPerS: (SPANS / e2eMs) * 1000, cpuMsPer1k: (cpuMs / SPANS) * 1000 };
    if (scored) {
      // Polled: a bench may wait on the outcome it measures (tests may not).
      const traces = SPANS / 2;
      const t1 = performance.now();
      let done = 0;
      while (done < traces) {
        done = Number((await collector.sql("SELECT uniqExact(TraceId) AS n FROM verdict_assessments WHERE SourceType = 'CODE'"))[0].n);
        if (done < traces) await new Promise((r) => setTimeout(r, 100));
        if (performance.now() - t1 > 600_000) throw new Error(`only ${done} of ${traces} traces scored after 10 minutes`);
      }
      run.catchUpMs = performance.now() - t1;
      run.scoredTraces = done;
    }
    return run;
  } finally {
    await collector.stop();
    rmSync(collector.dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  log(`load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${SPANS.toLocaleString('en-US')} spans (${(SPANS / 2).toLocaleString('en-US')} traces) per run, scorer ${SCORER}`);
  const runs: Run[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const scored of [false, true]) {
      // Fresh traces each run: a scorer's checkpoint and the settled traces start empty in a new data directory anyway.
      const bodies = makeProtobufRequests({ spans: SPANS, spansPerRequest: SPANS_PER_REQUEST });
      const run = await once(scored, bodies);
      runs.push(run);
      const extra = run.catchUpMs === undefined ? '' : `; all ${run.scoredTraces!.toLocaleString('en-US')} traces scored ${(run.catchUpMs / 1000).toFixed(1)} s after the last was stored`;
      log(`  ${scored ? 'with scorer   ' : 'without scorer'}  end to end ${Math.round(run.e2eSpansPerS).toLocaleString('en-US')} spans/s, collector CPU ${run.cpuMsPer1k.toFixed(1)} ms per 1,000 spans${extra}`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const plain = median(runs.filter((r) => !r.scored).map((r) => r.e2eSpansPerS));
  const scored = median(runs.filter((r) => r.scored).map((r) => r.e2eSpansPerS));
  // Scoring kept up at this rate: every trace scored between the first span sent and the end of the catch-up.
  const keptUp = median(runs.filter((r) => r.scored).map((r) => (SPANS / 2) / ((SPANS / r.e2eSpansPerS) + r.catchUpMs! / 1000)));
  log(`ingest with online scoring: ${((scored / plain) * 100).toFixed(0)} % of without (medians of ${ROUNDS}: ${Math.round(scored).toLocaleString('en-US')} vs ${Math.round(plain).toLocaleString('en-US')} spans/s)`);
  log(`traces scored per second, from the first span sent to the last trace scored: ${Math.round(keptUp).toLocaleString('en-US')} traces/s (traffic offered ${Math.round(scored / 2).toLocaleString('en-US')} traces/s)`);
  log(`load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
