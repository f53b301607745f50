// `verdict latency`: each version's request-latency quantiles and histogram on shared buckets.
import { latencyQuestion, type LatencyResult } from '../../queries/latency.js';
import { ms, renderJsonLines, renderTable } from '../format.js';
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
      p50: ms(s.latencyMs.p50),
      p90: ms(s.latencyMs.p90),
      p95: ms(s.latencyMs.p95),
      p99: ms(s.latencyMs.p99),
    }));
    process.stdout.write(renderTable(['version', 'requests', 'p50', 'p90', 'p95', 'p99'], rows, ctx.out));
    return 0;
  },
  unmatched: (answer, params) => ((answer as LatencyResult).series.every((s) => s.requests === 0) && params.filter ? [String(params.filter)] : []),
};
