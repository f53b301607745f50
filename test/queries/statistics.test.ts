// compare's statistics against hand computations and textbook examples.
import { describe, expect, it } from 'vitest';
import {
  fisherExactP,
  meanDifferenceTest,
  quantileDifferenceCi,
  quantileDifferenceTest,
  twoProportionTest,
  twoSidedP,
  verdictOf,
  Z_95,
} from '../../queries/statistics.js';
import { cmhRiskDifference, standardisedMeanDifference } from '../../queries/stratified-statistics.js';

describe('normal distribution', () => {
  it('gives the familiar two-sided p-values', () => {
    expect(twoSidedP(0)).toBeCloseTo(1, 6);
    expect(twoSidedP(Z_95)).toBeCloseTo(0.05, 6);
    expect(twoSidedP(-2.5758293035489)).toBeCloseTo(0.01, 6);
    expect(twoSidedP(Infinity)).toBe(0);
  });
});

describe('error-rate test', () => {
  it('uses the pooled z-test and the Wald interval with enough events', () => {
    // 100/2000 vs 180/2000: z = 0.04 / sqrt(0.07 · 0.93 · 0.001) = 4.9576.
    const t = twoProportionTest(100, 2000, 180, 2000);
    expect(t.test).toBe('two-proportion z-test');
    expect(t.pValue! / twoSidedP(0.04 / Math.sqrt(0.07 * 0.93 * 0.001))).toBeCloseTo(1, 9);
    expect(t.ciLow).toBeCloseTo(0.04 - Z_95 * Math.sqrt((0.05 * 0.95) / 2000 + (0.09 * 0.91) / 2000), 12);
  });

  it("uses Fisher's exact test when events are rare", () => {
    // Fisher's tea-tasting table [[3, 1], [1, 3]]: two-sided p = 34/70 = 0.4857.
    expect(fisherExactP(3, 4, 1, 4)).toBeCloseTo(34 / 70, 9);
    // 0/1000 vs 5/1000: P(0) = P(5) = C(1000,5)/C(2000,5) ≈ 0.03094 each, the rest more likely.
    const t = twoProportionTest(0, 1000, 5, 1000);
    expect(t.test).toBe('Fisher exact test');
    const p0 = (1000 * 999 * 998 * 997 * 996) / (2000 * 1999 * 1998 * 1997 * 1996);
    expect(t.pValue).toBeCloseTo(2 * p0, 9);
    // Newcombe's interval stays inside [-1, 1] and contains the difference.
    expect(t.ciLow!).toBeLessThan(0.005);
    expect(t.ciHigh!).toBeGreaterThan(0.005);
    expect(t.ciLow!).toBeGreaterThan(-0.01);
  });
});

describe('per-request means (ratio estimator over traces)', () => {
  it('reduces to Welch with one request per trace', () => {
    // Baseline 1, 2, 3, 4 and candidate 2, 3, 4, 5: each variance 5/3, SE sqrt(5/12); z = 1 / sqrt(5/6).
    const sums = (xs: number[]) => ({ n: xs.length, sumX: xs.reduce((a, b) => a + b, 0), sumR: xs.length, sumXX: xs.reduce((a, b) => a + b * b, 0), sumRR: xs.length, sumXR: xs.reduce((a, b) => a + b, 0) });
    const t = meanDifferenceTest(2.5, 3.5, sums([1, 2, 3, 4]), sums([2, 3, 4, 5]));
    expect(t.delta).toBe(1);
    expect(t.pValue).toBeCloseTo(twoSidedP(1 / Math.sqrt(5 / 6)), 12);
    expect(t.ciHigh! - t.ciLow!).toBeCloseTo(2 * Z_95 * Math.sqrt(5 / 6), 12);
  });
});

describe('quantile intervals', () => {
  it('combines two sides\' intervals into one for the difference', () => {
    const [lo, hi] = quantileDifferenceCi(10, [90, 110], [100, 120]);
    expect(hi - lo).toBeCloseTo(2 * Math.sqrt(2) * 10, 9);
  });
});

describe('verdicts', () => {
  const base = { alpha: 0.05, enoughData: true, minChange: 0.003 };
  it('needs significance and a change beyond the threshold', () => {
    expect(verdictOf({ ...base, delta: 0.04, pValue: 1e-6 })).toBe('worse');
    expect(verdictOf({ ...base, delta: -0.04, pValue: 1e-6 })).toBe('better');
    expect(verdictOf({ ...base, delta: 0.002, pValue: 0.01 })).toBe('no_significant_difference');
    expect(verdictOf({ ...base, delta: 0.04, pValue: 0.2 })).toBe('no_significant_difference');
    // A shared p-value (the latency shift) does not make a quantile whose own interval includes 0 worse.
    expect(verdictOf({ ...base, delta: 6.8, pValue: 1e-16, minChange: 4.7, ciLow: -6.4, ciHigh: 20 })).toBe('no_significant_difference');
    expect(verdictOf({ ...base, delta: 6.8, pValue: 1e-16, minChange: 4.7, ciLow: 1.2, ciHigh: 20 })).toBe('worse');
    expect(verdictOf({ ...base, delta: 0.04, pValue: 1e-6, enoughData: false })).toBe('insufficient_data');
    expect(verdictOf({ ...base, delta: 0.04, pValue: null })).toBe('insufficient_data');
  });
});

describe('quantile difference', () => {
  it('has its own p-value, from the same normal approximation as its interval', () => {
    // Baseline interval [90, 110] (se = 10/1.96), candidate [100, 130] (se = 15/1.96): se = sqrt(100 + 225)/1.96.
    const t = quantileDifferenceTest(15, [90, 110], [100, 130]);
    const se = Math.sqrt(325) / Z_95;
    expect(t.ciLow).toBeCloseTo(15 - Math.sqrt(325), 12);
    expect(t.pValue).toBeCloseTo(twoSidedP(15 / se), 12);
    // The interval [-3.03, 33.03] crosses 0, so p > 0.05, whatever a distribution test says.
    expect(t.pValue!).toBeGreaterThan(0.05);
    expect(verdictOf({ delta: 15, pValue: t.pValue, minChange: 10, alpha: 0.05, enoughData: true, ciLow: t.ciLow, ciHigh: t.ciHigh })).toBe('no_significant_difference');
  });
});

describe('stratified comparisons', () => {
  it('CMH with one stratum: the raw risk difference, and χ² = (T − 1)/T × the pooled z²', () => {
    const t = cmhRiskDifference([{ baselineEvents: 100, baselineN: 2000, candidateEvents: 180, candidateN: 2000 }]);
    expect(t.delta).toBeCloseTo(0.04, 12);
    const z = 0.04 / Math.sqrt(0.07 * 0.93 * (1 / 2000 + 1 / 2000));
    expect(t.pValue).toBeCloseTo(twoSidedP(z * Math.sqrt(3999 / 4000)), 12);
    // Sato's variance of one stratum: (RD·P + Q) / w², w = 1000, P = (2000²·100 − 2000²·180)/4000² = −20,
    // Q = (180·1900 + 100·1820)/8000 = 65.5 → se = √(0.04·(−20) + 65.5)/1000.
    expect(t.ciHigh! - t.delta).toBeCloseTo(Z_95 * Math.sqrt(-0.8 + 65.5) / 1000, 12);
  });

  it('direct standardisation weighs each stratum by the baseline\'s share and skips strata one side lacks', () => {
    const sums = (n: number, mean: number) => ({ n, sumX: n * mean, sumR: n, sumXX: n * mean * mean, sumRR: n, sumXR: n * mean });
    const r = standardisedMeanDifference([
      { baseline: sums(300, 10), candidate: sums(100, 12) },
      { baseline: sums(100, 50), candidate: sums(900, 50) },
      { baseline: sums(0, 0), candidate: sums(500, 99) },
    ])!;
    expect(r.baseline).toBeCloseTo(0.75 * 10 + 0.25 * 50, 12);
    expect(r.candidate).toBeCloseTo(0.75 * 12 + 0.25 * 50, 12);
    expect(r.delta).toBeCloseTo(1.5, 12);
  });
});
