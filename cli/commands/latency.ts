// `verdict latency`: each version's request-latency quantiles and histogram on shared buckets.
import { latencyQuestion, type LatencyResult } from '../../queries/latency.js';
import { fixed, renderJsonLines, renderTable } from '../format.js';
import type { CliQuestion } from '../question-command.js';

export const latencyCommand: CliQuestion = {
  command: 'latency',
  question: latencyQuestion,
  example: 'verdict latency --service chat-api --env production --versions 1.1.0,1.2.0',
  print(answer, ctx) {
    const r = answer as LatencyResult;
    if (ctx.json) {
      process.stdout.write(renderJsonLines(r.series.map((s) => ({ ...s, buckets: r.buckets }))));
      return 0;
    }
    const rows = r.series.map((s) => ({
      version: s.version,
      requests: s.requests,
      p50_ms: fixed(s.latencyMs.p50),
      p90_ms: fixed(s.latencyMs.p90),
      p95_ms: fixed(s.latencyMs.p95),
      p99_ms: fixed(s.latencyMs.p99),
    }));
    process.stdout.write(renderTable(['version', 'requests', 'p50_ms', 'p90_ms', 'p95_ms', 'p99_ms'], rows));
    return 0;
  },
};
