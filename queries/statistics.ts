// The statistics behind compare's verdicts, in plain functions so each can be checked by hand:
// two-proportion tests for error rates, a ratio-estimator z-test for per-request means (tokens,
// spans), an interval and test for a difference of quantiles, and the verdict rule. Latency's
// Mann–Whitney U p-value comes from ClickHouse (mannWhitneyUTest) and is reported on its own.

export type Verdict = 'better' | 'worse' | 'no_significant_difference' | 'insufficient_data';

export interface TestResult {
  delta: number;
  pValue: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  test: string;
}

/** Two-sided 95 % normal quantile. */
export const Z_95 = 1.959963984540054;

/** The latency quantiles every comparison reports (p50, p90, p95, p99). */
export const QUANTILE_LEVELS = [0.5, 0.9, 0.95, 0.99] as const;

/** Complementary error function; fractional error below 1.2e-7 everywhere (Numerical Recipes' erfcc). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(|Z| >= |z|) for a standard normal Z. */
export function twoSidedP(z: number): number {
  if (!Number.isFinite(z)) return Number.isNaN(z) ? 1 : 0;
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

function logFactorial(n: number): number {
  // Exact sums for small n; Stirling's series (error < 1e-10 for n >= 30) beyond.
  if (n < 30) {
    let s = 0;
    for (let i = 2; i <= n; i++) s += Math.log(i);
    return s;
  }
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + 1 / (12 * n) - 1 / (360 * n ** 3);
}

/** Two-sided Fisher exact test p-value for x1/n1 vs x2/n2 (sum of tables no more likely than the observed). */
export function fisherExactP(x1: number, n1: number, x2: number, n2: number): number {
  const k = x1 + x2;
  const n = n1 + n2;
  const logP = (a: number) =>
    logFactorial(k) + logFactorial(n - k) + logFactorial(n1) + logFactorial(n2) -
    logFactorial(n) - logFactorial(a) - logFactorial(n1 - a) - logFactorial(k - a) - logFactorial(n2 - k + a);
  const observed = logP(x1);
  let p = 0;
  for (let a = Math.max(0, k - n2); a <= Math.min(k, n1); a++) {
    const lp = logP(a);
    if (lp <= observed + 1e-7) p += Math.exp(lp);
  }
  return Math.min(1, p);
}

function wilson(x: number, n: number): [number, number] {
  const p = x / n;
  const z2 = Z_95 * Z_95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z_95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Difference of two proportions, candidate minus baseline. With at least 5 expected events and
 * non-events on each side: the pooled two-proportion z-test and the Wald interval (the same numbers
 * as ClickHouse's proportionsZTest(..., 'pooled')). With fewer, where the normal approximation is
 * poor: Fisher's exact test and Newcombe's Wilson-score interval.
 */
export function twoProportionTest(baselineEvents: number, baselineN: number, candidateEvents: number, candidateN: number): TestResult {
  if (baselineN === 0 || candidateN === 0) return { delta: NaN, pValue: null, ciLow: null, ciHigh: null, test: 'none' };
  const p1 = baselineEvents / baselineN;
  const p2 = candidateEvents / candidateN;
  const delta = p2 - p1;
  const pooled = (baselineEvents + candidateEvents) / (baselineN + candidateN);
  const expected = Math.min(baselineN, candidateN) * Math.min(pooled, 1 - pooled);
  if (expected >= 5) {
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / baselineN + 1 / candidateN));
    const seDiff = Math.sqrt((p1 * (1 - p1)) / baselineN + (p2 * (1 - p2)) / candidateN);
    return {
      delta,
      pValue: se === 0 ? 1 : twoSidedP(delta / se),
      ciLow: delta - Z_95 * seDiff,
      ciHigh: delta + Z_95 * seDiff,
      test: 'two-proportion z-test',
    };
  }
  const [l1, u1] = wilson(baselineEvents, baselineN);
  const [l2, u2] = wilson(candidateEvents, candidateN);
  return {
    delta,
    pValue: fisherExactP(baselineEvents, baselineN, candidateEvents, candidateN),
    ciLow: delta - Math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2),
    ciHigh: delta + Math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2),
    test: 'Fisher exact test',
  };
}

/**
 * Sums over traces (clusters) of a per-request quantity x and of the trace's request count r:
 * n traces, Σx, Σr, Σx², Σr², Σxr. Tokens and spans are counted per trace, and a trace may hold more
 * than one request, so the mean per request is a ratio estimator Σx / Σr.
 */
export interface ClusterSums {
  n: number;
  sumX: number;
  sumR: number;
  sumXX: number;
  sumRR: number;
  sumXR: number;
}

/** Standard error of the ratio Σx/Σr by linearisation; null when it cannot be estimated. */
export function ratioStandardError(s: ClusterSums): number | null {
  if (s.n < 2 || s.sumR === 0) return null;
  const ratio = s.sumX / s.sumR;
  const residual = s.sumXX - 2 * ratio * s.sumXR + ratio * ratio * s.sumRR;
  const variance = Math.max(0, residual) / (s.n - 1);
  const meanR = s.sumR / s.n;
  return Math.sqrt(variance / s.n) / meanR;
}

/**
 * Difference of two per-request means (candidate minus baseline) with a z-test and 95 % interval.
 * The means are the full-data values; the standard errors come from the (possibly sampled) sums.
 */
export function meanDifferenceTest(baselineMean: number, candidateMean: number, baseline: ClusterSums, candidate: ClusterSums): TestResult {
  const delta = candidateMean - baselineMean;
  const seB = ratioStandardError(baseline);
  const seC = ratioStandardError(candidate);
  if (seB === null || seC === null) return { delta, pValue: null, ciLow: null, ciHigh: null, test: 'ratio-estimator z-test' };
  const se = Math.sqrt(seB * seB + seC * seC);
  return {
    delta,
    pValue: se === 0 ? (delta === 0 ? 1 : 0) : twoSidedP(delta / se),
    ciLow: delta - Z_95 * se,
    ciHigh: delta + Z_95 * se,
    test: 'ratio-estimator z-test',
  };
}

/**
 * A 95 % interval for a difference of quantiles from each side's own order-statistic interval:
 * each side's standard error is read off its interval's width, and the two are combined as
 * independent normal errors. An approximation, stated as such in docs/queries.md.
 */
export function quantileDifferenceCi(delta: number, baseline: [number, number], candidate: [number, number]): [number, number] {
  const seB = (baseline[1] - baseline[0]) / (2 * Z_95);
  const seC = (candidate[1] - candidate[0]) / (2 * Z_95);
  const half = Z_95 * Math.sqrt(seB * seB + seC * seC);
  return [delta - half, delta + half];
}

/**
 * A difference of one quantile, judged on its own: the interval of quantileDifferenceCi and the
 * two-sided p-value of the same normal approximation (so p < 0.05 exactly when the 95 % interval
 * excludes 0). The Mann–Whitney U test is about the whole distribution and is reported once,
 * apart from the quantiles (compare's `latencyDistribution`).
 */
export function quantileDifferenceTest(delta: number, baseline: [number, number], candidate: [number, number]): TestResult {
  const [ciLow, ciHigh] = quantileDifferenceCi(delta, baseline, candidate);
  const se = (ciHigh - ciLow) / (2 * Z_95);
  return {
    delta,
    pValue: se === 0 ? (delta === 0 ? 1 : 0) : twoSidedP(delta / se),
    ciLow,
    ciHigh,
    test: QUANTILE_TEST,
  };
}

export const QUANTILE_TEST = 'quantile difference (order-statistic intervals)';

export interface VerdictInput {
  delta: number;
  pValue: number | null;
  /** The smallest change (absolute, in the metric's unit) that matters. */
  minChange: number;
  alpha: number;
  enoughData: boolean;
  /** All of Verdict's metrics are better when lower (errors, latency, tokens, spans). */
  lowerIsBetter?: boolean;
  /** The metric's own 95 % interval for the delta, when it has one: a delta whose interval includes 0 has not been shown to move. */
  ciLow?: number | null;
  ciHigh?: number | null;
}

/**
 * `better` / `worse` need both: the change is statistically significant (p < alpha) and at least
 * the practical threshold, so a CI gate on heavy traffic does not fire on noise-sized shifts.
 */
export function verdictOf(input: VerdictInput): Verdict {
  if (!input.enoughData || input.pValue === null || !Number.isFinite(input.delta)) return 'insufficient_data';
  const ciIncludesZero = input.ciLow != null && input.ciHigh != null && input.ciLow <= 0 && input.ciHigh >= 0;
  if (input.pValue < input.alpha && !ciIncludesZero && Math.abs(input.delta) >= input.minChange && input.delta !== 0) {
    const increased = input.delta > 0;
    return increased === (input.lowerIsBetter ?? true) ? 'worse' : 'better';
  }
  return 'no_significant_difference';
}
