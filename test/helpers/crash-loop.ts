// Steady OTLP load against a collector process that is SIGKILLed at random moments and restarted
// on the same data directory, then a check that every span whose request got a 200 is stored
// exactly once. Shared by the crash test (a few kills) and `npm run bench:crash` (many).
import { startCollectorProcess, newDataDir, type CollectorProcess } from './collector-process.js';
import { otlpJsonRequest, spanIdOf as hexSpanId } from './otlp-json.js';
import { mulberry32 } from '../../alerts/random.js';

export interface CrashLoopOptions {
  kills: number;
  concurrency?: number;
  spansPerRequest?: number;
  /** Acknowledged requests before each kill are drawn from [min, max). */
  acksBeforeKill?: [number, number];
  seed?: number;
  onProgress?(line: string): void;
}

export interface CrashLoopResult {
  seed: number;
  kills: number;
  acknowledgedSpans: number;
  storedSpans: number;
  distinctStoredSpans: number;
  /** Acknowledged but not stored: must be 0. */
  lostSpans: number;
  /** Stored more than once: must be 0. */
  duplicatedSpans: number;
  /** Spans of requests that died with the process but were stored anyway (allowed, exactly once). */
  unacknowledgedButStored: number;
  restartMs: number[];
  dataDir: string;
}

/** Request r carries spans with ids r * 1000 + 1 … r * 1000 + n. */
const spanIdOf = (request: number, i: number) => hexSpanId(request * 1000 + i + 1);

function body(request: number, spans: number): string {
  return otlpJsonRequest({
    service: 'crash-test',
    name: 'work',
    count: spans,
    firstId: request * 1000 + 1,
    startUnixNano: 1_700_000_000_000_000_000n + BigInt(request) * 1_000_000n,
    durationNs: 5_000n,
  });
}

export async function runCrashLoop(opts: CrashLoopOptions): Promise<CrashLoopResult> {
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = mulberry32(seed);
  const concurrency = opts.concurrency ?? 4;
  const spans = opts.spansPerRequest ?? 50;
  const [minAcks, maxAcks] = opts.acksBeforeKill ?? [10, 60];
  const dataDir = newDataDir();
  const acked = new Set<number>();
  const restartMs: number[] = [];
  let nextRequest = 0;

  for (let round = 0; round < opts.kills; round++) {
    const started = performance.now();
    const c: CollectorProcess = await startCollectorProcess({ dataDir, args: ['--batch-max-delay-ms', '20'] });
    restartMs.push(performance.now() - started);
    const target = minAcks + Math.floor(random() * (maxAcks - minAcks));
    let acks = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const request = nextRequest++;
        try {
          const res = await fetch(`${c.otlpHttpUrl}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: body(request, spans),
          });
          await res.arrayBuffer();
          if (res.status === 200) {
            acked.add(request);
            if (++acks >= target && !killed) {
              killed = true;
              await c.kill();
            }
          }
        } catch {
          // The connection died with the process: this request was not acknowledged.
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    opts.onProgress?.(`kill ${round + 1}/${opts.kills}: ${acks} requests acknowledged in this run, ${acked.size} in all`);
  }

  // A clean start replays what was queued; flush inserts it; then compare.
  const last = await startCollectorProcess({ dataDir });
  try {
    await last.flush();
    const stored = (await last.sql("SELECT SpanId, count() AS n FROM otel_traces WHERE ServiceName = 'crash-test' GROUP BY SpanId")) as {
      SpanId: string;
      n: number;
    }[];
    const storedIds = new Map(stored.map((r) => [r.SpanId, Number(r.n)]));
    let lost = 0;
    for (const request of acked) for (let i = 0; i < spans; i++) if (!storedIds.has(spanIdOf(request, i))) lost++;
    const ackedIds = new Set<string>();
    for (const request of acked) for (let i = 0; i < spans; i++) ackedIds.add(spanIdOf(request, i));
    return {
      seed,
      kills: opts.kills,
      acknowledgedSpans: acked.size * spans,
      storedSpans: [...storedIds.values()].reduce((a, b) => a + b, 0),
      distinctStoredSpans: storedIds.size,
      lostSpans: lost,
      duplicatedSpans: [...storedIds.values()].filter((n) => n > 1).length,
      unacknowledgedButStored: [...storedIds.keys()].filter((id) => !ackedIds.has(id)).length,
      restartMs,
      dataDir,
    };
  } finally {
    await last.stop();
  }
}
