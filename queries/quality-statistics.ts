// The tests behind compare's quality metrics, as plain functions: Welch's t-test for numeric
// feedback (a mean per side), and the chi-square test of homogeneity for categorical feedback
// (label shares per side). Boolean feedback uses statistics.ts's two-proportion test. The special
// functions (regularised incomplete beta and gamma) follow Numerical Recipes' continued fractions:
// no statistics package is a dependency, and these are the two the tests need.
import { Z_95, type TestResult } from './statistics.js';

function logGamma(x: number): number {
  const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let ser = 1.000000000190015;
  for (const k of c) ser += k / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
    d = 1 / (Math.abs(1 + aa * d) < tiny ? tiny : 1 + aa * d);
    c = Math.abs(1 + aa / c) < tiny ? tiny : 1 + aa / c;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
    d = 1 / (Math.abs(1 + aa * d) < tiny ? tiny : 1 + aa * d);
    c = Math.abs(1 + aa / c) < tiny ? tiny : 1 + aa / c;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-12) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(|T| >= |t|) for Student's t with `df` degrees of freedom. */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? 1 : 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The two-sided 95 % quantile of Student's t (bisection on the p-value; df ≥ 1). */
export function studentQuantile95(df: number): number {
  let lo = Z_95;
  let hi = 20;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSidedP(mid, df) > 0.05) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Regularised upper incomplete gamma Q(a, x). */
export function upperIncompleteGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const gln = logGamma(a);
  if (x < a + 1) {
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 500; n++) {
      del *= x / ++ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-14) break;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - gln);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return Math.exp(-x + a * Math.log(x) - gln) * h;
}

/** Moments of one side's values: count, sum, sum of squares. */
export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
}

/** Welch's t-test for the difference of two means (candidate − baseline), with its 95 % interval. */
export function welchTest(baseline: Moments, candidate: Moments): TestResult {
  const mean = (m: Moments) => m.sum / m.n;
  const variance = (m: Moments) => Math.max(0, (m.sumSq - (m.sum * m.sum) / m.n) / (m.n - 1));
  if (baseline.n < 2 || candidate.n < 2) {
    const delta = baseline.n > 0 && candidate.n > 0 ? mean(candidate) - mean(baseline) : NaN;
    return { delta, pValue: null, ciLow: null, ciHigh: null, test: 'Welch t-test' };
  }
  const delta = mean(candidate) - mean(baseline);
  const vb = variance(baseline) / baseline.n;
  const vc = variance(candidate) / candidate.n;
  const se = Math.sqrt(vb + vc);
  if (se === 0) return { delta, pValue: delta === 0 ? 1 : 0, ciLow: delta, ciHigh: delta, test: 'Welch t-test' };
  const df = (vb + vc) ** 2 / (vb ** 2 / (baseline.n - 1) + vc ** 2 / (candidate.n - 1));
  const half = studentQuantile95(df) * se;
  return { delta, pValue: studentTwoSidedP(delta / se, df), ciLow: delta - half, ciHigh: delta + half, test: 'Welch t-test' };
}

/** Chi-square test of homogeneity of label counts between two sides: its p-value (null when it cannot be computed). */
export function chiSquareHomogeneity(baseline: Record<string, number>, candidate: Record<string, number>): { statistic: number; df: number; pValue: number | null } {
  const labels = [...new Set([...Object.keys(baseline), ...Object.keys(candidate)])];
  const nb = labels.reduce((s, l) => s + (baseline[l] ?? 0), 0);
  const nc = labels.reduce((s, l) => s + (candidate[l] ?? 0), 0);
  const n = nb + nc;
  if (labels.length < 2 || nb === 0 || nc === 0) return { statistic: 0, df: 0, pValue: null };
  let statistic = 0;
  for (const l of labels) {
    const total = (baseline[l] ?? 0) + (candidate[l] ?? 0);
    for (const [count, sideN] of [[baseline[l] ?? 0, nb], [candidate[l] ?? 0, nc]] as const) {
      const expected = (total * sideN) / n;
      statistic += (count - expected) ** 2 / expected;
    }
  }
  const df = labels.length - 1;
  return { statistic, df, pValue: upperIncompleteGamma(df / 2, statistic / 2) };
}
