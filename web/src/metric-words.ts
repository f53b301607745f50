// The words people read for /api/compare's metric names and verdicts (shared by the cards, the
// breakdown and the tests that check them).
import type { Verdict } from './api-types.js';

export const METRIC_TITLES: Record<string, string> = {
  errorRate: 'Error rate',
  latencyP50: 'Latency p50',
  latencyP90: 'Latency p90',
  latencyP95: 'Latency p95',
  latencyP99: 'Latency p99',
  inputTokensPerRequest: 'Input tokens per request',
  outputTokensPerRequest: 'Output tokens per request',
  spansPerRequest: 'Spans per request',
};

/** Compare's verdicts, and "different" (categorical feedback whose label shares changed). */
export const VERDICT_WORDS: Record<Verdict | 'different', string> = {
  different: 'Different',
  worse: 'Worse',
  better: 'Better',
  no_significant_difference: 'No significant difference',
  insufficient_data: 'Not enough data',
};
