// The sequential test behind alerts: a one-sided mixture SPRT (Robbins; Johari et al., "Always
// valid inference") on an estimate that is approximately normal with a known variance. Under no
// regression the mixture likelihood ratio is a non-negative (super)martingale, so by Ville's
// inequality it ever crosses 1/α with probability at most α however often one looks. Written by
// hand: no maintained JS library offers it; the closed form is checked against numeric integration.

/** Standard normal CDF, through erfc. */
export function normalCdf(x: number): number {
  // erfc by the Numerical Recipes Chebyshev fit (fractional error < 1.2e-7 everywhere).
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** log Φ(x), accurate far into the lower tail (where Φ underflows). */
function logNormalCdf(x: number): number {
  if (x > -8) return Math.log(normalCdf(x));
  // Mills ratio asymptotics: Φ(x) ≈ φ(x)/|x| · (1 − 1/x² + 3/x⁴).
  return -0.5 * x * x - Math.log(-x) - 0.5 * Math.log(2 * Math.PI) + Math.log(1 - 1 / (x * x) + 3 / x ** 4);
}

/** Inverse of the standard normal CDF (Acklam's algorithm, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0 || p >= 1) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * log Λ for an estimate `estimate` of θ with variance `variance`, mixing θ over a half-normal of
 * scale `tau` on the worse side (θ > 0):
 *   Λ = 2 √(V/(V+τ²)) · exp(d²τ² / (2V(V+τ²))) · Φ(dτ / √(V(V+τ²))).
 */
export function logMixtureLikelihoodRatio(estimate: number, variance: number, tau: number): number {
  if (!(variance > 0) || !(tau > 0)) return Number.NEGATIVE_INFINITY;
  const t2 = tau * tau;
  const s = variance + t2;
  return Math.log(2) + 0.5 * Math.log(variance / s) + (estimate * estimate * t2) / (2 * variance * s) + logNormalCdf((estimate * tau) / Math.sqrt(variance * s));
}

/** The standard error a two-sided (1 − α) normal interval [low, high] implies. */
export function standardErrorFromInterval(low: number, high: number, alpha = 0.05): number {
  return (high - low) / (2 * normalQuantile(1 - alpha / 2));
}

export interface SequentialDecision {
  logLikelihoodRatio: number;
  /** log(1/α′) with α′ the metric's share of α. */
  threshold: number;
  crossed: boolean;
}

/** One look: has the evidence of a regression crossed the always-valid threshold for `alphaShare`? */
export function sequentialLook(estimate: number, standardError: number, tau: number, alphaShare: number): SequentialDecision {
  const logLikelihoodRatio = logMixtureLikelihoodRatio(estimate, standardError * standardError, tau);
  const threshold = Math.log(1 / alphaShare);
  return { logLikelihoodRatio, threshold, crossed: logLikelihoodRatio >= threshold };
}

/**
 * The fixed-horizon sample size for comparison: candidate requests a one-sided z-test at level α
 * needs for the given power, when one candidate request contributes `unitVariance` to the
 * estimate's variance (var(d̂) = unitVariance / n) and the effect is `effect`.
 */
export function fixedHorizonSamples(effect: number, unitVariance: number, alpha: number, power: number): number {
  const z = normalQuantile(1 - alpha) + normalQuantile(power);
  return Math.ceil((z * z * unitVariance) / (effect * effect));
}
