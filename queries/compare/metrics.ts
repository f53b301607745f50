// Each metric of a comparison: both sides' values, the delta, its interval and test, and the
// verdict under the rules (significance, the practical threshold, the metric's own interval).
import { num } from '../run-query.js';
import {
  meanDifferenceTest,
  quantileDifferenceTest,
  twoProportionTest,
  verdictOf,
  type ClusterSums,
  type TestResult,
} from '../statistics.js';
import type { Rules } from './plan.js';
import type { Metric, MetricName, SideSummary } from './schema.js';

const QUANTILES = ['p50', 'p90', 'p95', 'p99'] as const;
const NS_PER_MS = 1e6;

export function metric(
  name: MetricName,
  unit: Metric['unit'],
  baseline: number | null,
  candidate: number | null,
  result: TestResult | null,
  minChange: number | null,
  enoughData: boolean,
  alpha: number,
): Metric {
  const delta = baseline !== null && candidate !== null ? candidate - baseline : null;
  const verdict =
    delta === null || result === null || minChange === null
      ? 'insufficient_data'
      : verdictOf({ delta, pValue: result.pValue, minChange, alpha, enoughData, ciLow: result.ciLow, ciHigh: result.ciHigh });
  return {
    name,
    unit,
    baseline,
    candidate,
    delta,
    relativeDelta: delta !== null && baseline ? delta / baseline : null,
    ciLow: result?.ciLow ?? null,
    ciHigh: result?.ciHigh ?? null,
    pValue: result?.pValue ?? null,
    test: result?.test ?? 'none',
    minChange,
    verdict,
  };
}

function clusterSums(row: Record<string, unknown>, p: 'b' | 'c', x: 'sp' | 'ti' | 'to'): ClusterSums {
  return {
    n: num(row[`${p}_traces`]),
    sumX: num(row[`${p}_${x}`]),
    sumR: num(row[`${p}_r`]),
    sumXX: num(row[`${p}_${x}${x}`]),
    sumRR: num(row[`${p}_rr`]),
    sumXR: num(row[`${p}_${x}r`]),
  };
}

/**
 * Every metric of the comparison. `tests` is the tests query's row (absent when a side has no
 * requests); `counts` are each side's request and error counts.
 */
export function compareMetrics(
  baseline: SideSummary,
  candidate: SideSummary,
  tests: Record<string, unknown> | undefined,
  rules: Rules,
): Metric[] {
  const { alpha, thresholds } = rules;
  const enoughData = baseline.requests >= rules.minRequests && candidate.requests >= rules.minRequests;
  const metrics: Metric[] = [];
  const bothServed = baseline.requests > 0 && candidate.requests > 0;
  const errorTest = bothServed ? twoProportionTest(baseline.errors, baseline.requests, candidate.errors, candidate.requests) : null;
  metrics.push(metric('errorRate', 'ratio', baseline.errorRate, candidate.errorRate, errorTest, thresholds.minErrorRateDelta, enoughData, alpha));

  // Each quantile on its own interval; the Mann–Whitney U test of the whole distribution is
  // reported once, apart (latencyDistribution).
  QUANTILES.forEach((q, i) => {
    const bv = baseline.latencyMs?.[q] ?? null;
    const cv = candidate.latencyMs?.[q] ?? null;
    let result: TestResult | null = null;
    if (tests && bv !== null && cv !== null) {
      const bounds = (k: string) => [num((tests[`${k}_lo_ns`] as unknown[])[i]) / NS_PER_MS, num((tests[`${k}_hi_ns`] as unknown[])[i]) / NS_PER_MS] as [number, number];
      result = quantileDifferenceTest(cv - bv, bounds('b_latency'), bounds('c_latency'));
    }
    const name = `latency${q.toUpperCase()}` as MetricName;
    metrics.push(metric(name, 'ms', bv, cv, result, bv !== null ? thresholds.minLatencyChange * bv : null, enoughData, alpha));
  });

  const perRequest = [
    ['inputTokensPerRequest', 'tokens', 'ti', thresholds.minTokenChange],
    ['outputTokensPerRequest', 'tokens', 'to', thresholds.minTokenChange],
    ['spansPerRequest', 'spans', 'sp', thresholds.minSpanChange],
  ] as const;
  for (const [name, unit, key, change] of perRequest) {
    const bv = baseline[name];
    const cv = candidate[name];
    const result = tests && bv !== null && cv !== null ? meanDifferenceTest(bv, cv, clusterSums(tests, 'b', key), clusterSums(tests, 'c', key)) : null;
    metrics.push(metric(name, unit, bv, cv, result, bv !== null ? change * bv : null, enoughData, alpha));
  }
  return metrics;
}

/** The Mann–Whitney U test of the two latency distributions (a shift of the whole distribution), reported once. */
export function latencyDistribution(tests: Record<string, unknown> | undefined): { test: string; pValue: number | null } {
  const p = tests ? num(tests.latency_p_value) : NaN;
  return { test: 'Mann-Whitney U', pValue: Number.isFinite(p) ? p : null };
}
