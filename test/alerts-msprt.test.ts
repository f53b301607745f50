// The mixture SPRT's mechanics with fixed seeds: the closed form equals the mixture integral
// computed numerically; the threshold is crossed by a real effect and, over many A/A sequences
// looked at every step, at most about α of the time; and fixed-horizon sizes match a textbook case.
import { describe, expect, it } from 'vitest';
import { fixedHorizonSamples, logMixtureLikelihoodRatio, normalCdf, normalQuantile, sequentialLook } from '../alerts/msprt.js';
import { mulberry32, normalSample } from '../alerts/random.js';

/** ∫₀^∞ exp((θd − θ²/2)/V) · 2φ(θ/τ)/τ dθ by the trapezoid rule. */
function numericMixture(d: number, v: number, tau: number): number {
  const top = Math.max(10 * tau, Math.abs(d) + 10 * Math.sqrt(v));
  const steps = 200_000;
  const h = top / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const th = i * h;
    const f = Math.exp((th * d - (th * th) / 2) / v) * (2 / (tau * Math.sqrt(2 * Math.PI))) * Math.exp(-(th * th) / (2 * tau * tau));
    sum += i === 0 || i === steps ? f / 2 : f;
  }
  return Math.log(sum * h);
}

describe('mixture SPRT', () => {
  it('the closed form is the mixture integral', () => {
    for (const [d, v, tau] of [[0, 1, 1], [0.5, 0.04, 0.3], [-0.2, 0.01, 0.1], [0.03, 0.0001, 0.01], [2, 0.5, 0.2]]) {
      expect(logMixtureLikelihoodRatio(d, v, tau)).toBeCloseTo(numericMixture(d, v, tau), 4);
    }
  });

  it('normal CDF and quantile agree with known values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 6);
  });

  it('looking every step of 200 under no effect crosses α = 5 % at most about α of the time (seed 2026)', () => {
    const rand = mulberry32(2026);
    let alarms = 0;
    const runs = 400;
    for (let r = 0; r < runs; r++) {
      let sum = 0;
      for (let n = 1; n <= 200; n++) {
        sum += normalSample(rand);
        if (sequentialLook(sum / n, 1 / Math.sqrt(n), 0.2, 0.05).crossed) {
          alarms++;
          break;
        }
      }
    }
    // Binomial 99 % upper margin around 5 % of 400 is about 28.
    expect(alarms).toBeLessThanOrEqual(28);
  });

  it('a real effect crosses it', () => {
    const rand = mulberry32(7);
    let sum = 0;
    let at = -1;
    for (let n = 1; n <= 2000 && at < 0; n++) {
      sum += 0.3 + normalSample(rand);
      if (sequentialLook(sum / n, 1 / Math.sqrt(n), 0.3, 0.05).crossed) at = n;
    }
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(400);
  });

  it('fixed-horizon sample size: one-sided 5 %, 80 % power, effect 0.2 σ needs 155', () => {
    expect(fixedHorizonSamples(0.2, 1, 0.05, 0.8)).toBe(155);
  });
});
