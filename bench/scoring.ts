// npm run bench:scoring — throughput of code scoring: N settled traces (a request span and one LLM
// child each, generated in the engine), scored by a trivial scorer in batches as online scoring
// does (load spans and expectations, score, one insert per batch). BENCH_TRACES (default 50 000).
import { scoreStored } from '../quality/scoring.js';
import type { Scorer } from '../quality/scorer.js';
import { openTestStore, seed, T0 } from '../test/helpers/seed-spans.js';

const TRACES = Number(process.env.BENCH_TRACES ?? 50_000);

async function main(): Promise<void> {
  const store = await openTestStore();
  let t = performance.now();
  await seed(store.client, { service: 'bench', environment: 'production', version: '1.0.0', requests: TRACES, errors: 0, startMs: T0, spacingMs: 10, latencyMs: 200, children: 1, inputTokens: 100, outputTokens: 20 });
  process.stdout.write(`seeded and settled ${TRACES} traces in ${Math.round(performance.now() - t)} ms\n`);
  const trivial: Scorer = { name: 'spans', version: '1', score: (trace) => trace.spans.length };
  t = performance.now();
  const r = await scoreStored(store.client, [trivial], { where: '1', params: {} });
  const ms = performance.now() - t;
  process.stdout.write(`scored ${r.scored} traces (${r.errors} errors) in ${Math.round(ms)} ms: ${Math.round((r.scored / ms) * 1000).toLocaleString('en-US')} traces/s\n`);
  await store.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
