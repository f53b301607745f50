// The statistics of a mix-adjusted comparison, in plain functions so each can be checked by hand:
// the Cochran–Mantel–Haenszel common risk difference (error rate) with Sato's variance and the
// CMH test, and direct standardisation of per-request means to the baseline's mix. Written here
// because no small, maintained npm package offers either (docs/queries.md states the formulas).
import { ratioStandardError, twoSidedP, Z_95, type ClusterSums, type TestResult } from './statistics.js';

/** One stratum's 2×2 table: errors and requests of each side. */
export interface StratumCounts {
  baselineEvents: number;
  baselineN: number;
  candidateEvents: number;
  candidateN: number;
}

export const CMH_TEST = 'Cochran-Mantel-Haenszel';
export const STANDARDISED_TEST = 'direct standardisation to the baseline mix, z-test';

/**
 * The Mantel–Haenszel common risk difference, candidate minus baseline, over strata with requests
 * on both sides: Σ wₖ (p₁ₖ − p₀ₖ) / Σ wₖ with wₖ = n₁ₖ n₀ₖ / Tₖ. Its 95 % interval uses Sato's
 * (1989) variance, consistent for few large strata and for many small ones; the p-value is the
 * CMH χ² test (1 df, no continuity correction) of no difference in any stratum.
 */
export function cmhRiskDifference(strata: StratumCounts[]): TestResult {
  let num = 0;
  let w = 0;
  let p = 0;
  let q = 0;
  let observedMinusExpected = 0;
  let variance = 0;
  for (const s of strata) {
    const a = s.candidateEvents;
    const n1 = s.candidateN;
    const c = s.baselineEvents;
    const n0 = s.baselineN;
    const t = n1 + n0;
    if (n1 === 0 || n0 === 0) continue;
    num += (a * n0 - c * n1) / t;
    w += (n1 * n0) / t;
    p += (n1 * n1 * c - n0 * n0 * a + (n1 * n0 * (n0 - n1)) / 2) / (t * t);
    q += (a * (n0 - c) + c * (n1 - a)) / (2 * t);
    const events = a + c;
    observedMinusExpected += a - (n1 * events) / t;
    if (t > 1) variance += (n1 * n0 * events * (t - events)) / (t * t * (t - 1));
  }
  if (w === 0) return { delta: NaN, pValue: null, ciLow: null, ciHigh: null, test: CMH_TEST };
  const delta = num / w;
  const se = Math.sqrt(Math.max(0, delta * p + q)) / w;
  return {
    delta,
    pValue: variance > 0 ? twoSidedP(observedMinusExpected / Math.sqrt(variance)) : 1,
    ciLow: delta - Z_95 * se,
    ciHigh: delta + Z_95 * se,
    test: CMH_TEST,
  };
}

/** One stratum of a per-request mean: each side's cluster sums (traces; x per trace, requests r). */
export interface StratumMeans {
  baseline: ClusterSums;
  candidate: ClusterSums;
}

export interface StandardisedResult extends TestResult {
  /** The baseline's own mean over these strata (Σ wₛ · baseline meanₛ). */
  baseline: number;
  /** The candidate's mean had it served the baseline's mix (Σ wₛ · candidate meanₛ). */
  candidate: number;
}

/**
 * Direct standardisation to the baseline's mix: weights wₛ = the baseline's requests in stratum s
 * over its requests in all the strata both sides served; each side's mean is Σ wₛ meanₛ. The delta's standard
 * error is √Σ wₛ² (seₛ(candidate)² + seₛ(baseline)²), each from the ratio estimator (weights taken
 * as known); a stratum with fewer than 2 traces on a side adds no variance.
 */
export function standardisedMeanDifference(all: StratumMeans[]): StandardisedResult | null {
  // Only strata both sides served can be standardised; the weights are renormalised over them.
  const strata = all.filter((s) => s.baseline.sumR > 0 && s.candidate.sumR > 0);
  const total = strata.reduce((sum, s) => sum + s.baseline.sumR, 0);
  if (total === 0) return null;
  let baseline = 0;
  let candidate = 0;
  let variance = 0;
  for (const s of strata) {
    const w = s.baseline.sumR / total;
    baseline += w * (s.baseline.sumX / s.baseline.sumR);
    candidate += w * (s.candidate.sumX / s.candidate.sumR);
    variance += w * w * ((ratioStandardError(s.baseline) ?? 0) ** 2 + (ratioStandardError(s.candidate) ?? 0) ** 2);
  }
  const delta = candidate - baseline;
  const se = Math.sqrt(variance);
  return {
    baseline,
    candidate,
    delta,
    pValue: se === 0 ? (delta === 0 ? 1 : 0) : twoSidedP(delta / se),
    ciLow: delta - Z_95 * se,
    ciHigh: delta + Z_95 * se,
    test: STANDARDISED_TEST,
  };
}
