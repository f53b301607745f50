// compare's fair comparison: when the candidate serves a different mix of root operations or
// models than the baseline, raw deltas can lie (Simpson's paradox). Per stratum (sample.sql's s_ sums)
// this compares like with like: the error rate by the Cochran–Mantel–Haenszel common risk
// difference, latency and the per-request means by direct standardisation to the baseline's mix
// (queries/stratified-statistics.ts). Says which deltas the verdict uses, and warns when the
// strata barely overlap.
import { num, QueryInputError, renderSql, type QueryParams } from '../run-query.js';
import type { ClusterSums, TestResult } from '../statistics.js';
import { cmhRiskDifference, standardisedMeanDifference, type StratumMeans } from '../stratified-statistics.js';
import { metric } from './metrics.js';
import { pick, type Plan, type SideConditions } from './plan.js';
import type { AdjustedMetric, Metric, MixAdjustment, SideSummary } from './schema.js';

export const DEFAULT_STRATIFY = ['name', 'model'];

/** Below this share of a side's requests in strata both sides served, the adjustment is flagged. */
const MIN_COVERAGE = 0.8;

/** The trace facts a stratum can be keyed by without reading spans. */
const FACT_KEYS: Record<string, string> = { name: 'RequestName', model: 'Model' };

/** `--stratify`: comma-separated keys, `none` for no adjustment; at most one attribute key (one join). */
export function parseStratify(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return DEFAULT_STRATIFY;
  if (text.trim() === 'none') return [];
  const keys = [...new Set(text.split(',').map((k) => k.trim()).filter(Boolean))];
  const attributes = keys.filter((k) => !(k in FACT_KEYS));
  if (attributes.length > 1) {
    throw new QueryInputError(`stratify takes name, model and at most one attribute key, got ${attributes.map((k) => JSON.stringify(k)).join(', ')}`);
  }
  return keys;
}

export interface Stratum {
  key: string[];
  b: Record<string, number>;
  c: Record<string, number>;
}

/** Each side's sums over a stratum's traces (compare's sample, sample.ts): n, then per quantity Σx, Σx², Σx·r. */
export const SUMS = ['traces', 'r', 'rr', 'errors', 'lat', 'latlat', 'latr', 'ti', 'titi', 'tir', 'to', 'toto', 'tor', 'sp', 'spsp', 'spr', 'usd', 'usdusd', 'usdr'] as const;
export type SumName = (typeof SUMS)[number];

function clusterSums(s: Record<string, number>, x: string): ClusterSums {
  return { n: s.traces, sumX: s[x], sumR: s.r, sumXX: s[`${x}${x}`], sumRR: s.rr, sumXR: s[`${x}r`] };
}

/** The stratum expression over the settled traces (an array of the keys' values), and the join an attribute key needs. */
export function stratumSql(keys: string[], conditions: SideConditions): { stratum: string; join: string; params: QueryParams } {
  const params: QueryParams = {};
  let join = '';
  const parts = keys.map((k) => {
    if (k in FACT_KEYS) return `toString(${FACT_KEYS[k]})`;
    params.by_key = k;
    join = renderSql('compare/breakdown-attribute', pick(conditions.fragments, 'span_scope'));
    return 'attribute_value';
  });
  return { stratum: `[${parts.join(', ')}]`, join, params };
}

function adjusted(raw: Metric | { baseline: number | null; candidate: number | null; delta: number | null }, name: AdjustedMetric['name'], unit: AdjustedMetric['unit'], m: Metric): AdjustedMetric {
  return {
    name,
    unit,
    rawBaseline: raw.baseline,
    rawCandidate: raw.candidate,
    rawDelta: raw.delta,
    baseline: m.baseline,
    candidate: m.candidate,
    delta: m.delta,
    relativeDelta: m.relativeDelta,
    ciLow: m.ciLow,
    ciHigh: m.ciHigh,
    pValue: m.pValue,
    test: m.test,
    minChange: m.minChange,
    verdict: m.verdict,
  };
}

export interface MixAdjustmentAnswer {
  adjustment: MixAdjustment;
  warnings: string[];
}

/** The mix-adjusted deltas beside the raw `metrics`, from mixStrata's strata. */
export function mixAdjustment(
  plan: Plan,
  all: Stratum[],
  sides: { baseline: SideSummary; candidate: SideSummary },
  rawMetrics: Metric[],
  rawCost: { baseline: number | null; candidate: number | null; minChange: number },
): MixAdjustmentAnswer {
  const keys = plan.options.stratify ?? DEFAULT_STRATIFY;
  const shared = all.filter((s) => s.b.r > 0 && s.c.r > 0);
  const total = (p: 'b' | 'c', list: Stratum[]) => list.reduce((sum, s) => sum + s[p].r, 0);
  const coverage = {
    baseline: total('b', all) > 0 ? total('b', shared) / total('b', all) : null,
    candidate: total('c', all) > 0 ? total('c', shared) / total('c', all) : null,
  };
  const enoughData = total('b', shared) >= plan.minRequests && total('c', shared) >= plan.minRequests;
  const { thresholds, alpha } = plan;
  const raw = (name: Metric['name']) => rawMetrics.find((m) => m.name === name)!;
  const metrics: AdjustedMetric[] = [];

  // Error rate: the CMH common risk difference; "baseline" is its rate over the shared strata.
  const cmh = shared.length > 0
    ? cmhRiskDifference(shared.map((s) => ({ baselineEvents: s.b.errors, baselineN: s.b.r, candidateEvents: s.c.errors, candidateN: s.c.r })))
    : null;
  const baseRate = shared.length > 0 ? shared.reduce((a, s) => a + s.b.errors, 0) / total('b', shared) : null;
  const errorResult: TestResult | null = cmh && Number.isFinite(cmh.delta) ? cmh : null;
  metrics.push(adjusted(raw('errorRate'), 'errorRate', 'ratio', metric(
    'errorRate', 'ratio', baseRate, errorResult && baseRate !== null ? baseRate + errorResult.delta : null, errorResult, thresholds.minErrorRateDelta, enoughData, alpha,
  )));

  const means = [
    ['latencyMean', 'ms', 'lat', thresholds.minLatencyChange, { baseline: sides.baseline.latencyMs?.mean ?? null, candidate: sides.candidate.latencyMs?.mean ?? null }],
    ['inputTokensPerRequest', 'tokens', 'ti', thresholds.minTokenChange, raw('inputTokensPerRequest')],
    ['outputTokensPerRequest', 'tokens', 'to', thresholds.minTokenChange, raw('outputTokensPerRequest')],
    ['spansPerRequest', 'spans', 'sp', thresholds.minSpanChange, raw('spansPerRequest')],
    ['costPerRequest', 'usd', 'usd', rawCost.minChange, rawCost],
  ] as const;
  for (const [name, unit, x, change, rawValues] of means) {
    const result = standardisedMeanDifference(shared.map((s): StratumMeans => ({ baseline: clusterSums(s.b, x), candidate: clusterSums(s.c, x) })));
    const rawDelta = rawValues.baseline !== null && rawValues.candidate !== null ? rawValues.candidate - rawValues.baseline : null;
    // The adjusted metric reuses the raw verdict rules (metric()); its name and unit there are only
    // labels (adjusted() sets the real ones), and metric() knows no dollars.
    const m = metric('errorRate', unit === 'usd' ? 'tokens' : unit, result?.baseline ?? null, result?.candidate ?? null, result, result ? change * result.baseline : null, enoughData, alpha);
    metrics.push(adjusted({ baseline: rawValues.baseline, candidate: rawValues.candidate, delta: rawDelta }, name, unit, m));
  }

  const by = keys.join(', ');
  const warnings: string[] = [];
  const overlaps = shared.length > 0 && (coverage.baseline ?? 1) >= MIN_COVERAGE && (coverage.candidate ?? 1) >= MIN_COVERAGE;
  const hint = keys.length > 1 ? ` (a new model or route has no counterpart: --stratify with fewer keys compares across it)` : '';
  if (shared.length === 0) {
    warnings.push(`mix adjustment: no stratum (by ${by}) has requests on both sides, so nothing can be compared like with like${hint}`);
  } else if (!overlaps) {
    const pct = (v: number | null) => `${Math.round((v ?? 0) * 1000) / 10} %`;
    warnings.push(`mix adjustment: the strata (by ${by}) barely overlap: only ${pct(coverage.baseline)} of the baseline's and ${pct(coverage.candidate)} of the candidate's requests are in strata both served; the adjusted deltas describe those strata only${hint}`);
  } else {
    // Only where the adjustment covers most of both sides is a disagreement the mix's doing.
    for (const m of metrics) {
      // Cost's raw verdict is compare's `cost` field, not one of `metrics`; latencyMean has none.
      const r = m.name === 'latencyMean' || m.name === 'costPerRequest' ? undefined : raw(m.name);
      if (r?.verdict === 'worse' && m.verdict !== 'worse') {
        warnings.push(`${m.name} is worse raw but not after adjusting for the mix by ${by} (${m.verdict}): the candidate serves a different mix (Simpson's paradox)`);
      }
    }
  }
  // A gate never trusts an adjustment that leaves most of a side out: it falls back to the raw deltas.
  let verdictBasis = plan.options.verdictBasis ?? 'raw';
  if (verdictBasis === 'adjusted' && !overlaps) {
    verdictBasis = 'raw';
    warnings.push('the verdict uses the raw deltas although the adjusted ones were asked for: the strata overlap too little to trust the adjustment');
  }
  return {
    adjustment: { stratifiedBy: keys, strata: all.length, sharedStrata: shared.length, coverage, verdictBasis, metrics },
    warnings,
  };
}

/** `regression`: any metric worse on the chosen basis (raw `metrics`, or the mix-adjusted ones when asked and available). */
export function regressionOf(metrics: Metric[], mix: MixAdjustment | undefined): boolean {
  if (mix?.verdictBasis === 'adjusted') return mix.metrics.some((m) => m.verdict === 'worse');
  return metrics.some((m) => m.verdict === 'worse');
}
