// bench:alerts' mechanics with fixed seeds and small counts: A/A canaries looked at every minute
// rarely alarm, and both injected regressions (error rate 5 → 8 %, p95 +20 %) are found on the
// right metric. The full figures come from `npm run bench:alerts` (docs/alerts.md).
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, simulateCanary, wilsonInterval } from '../alerts/simulate.js';

describe('simulated canaries (seed 2026)', () => {
  it('A/A: 40 canaries over an hour of looks give at most a few alarms', () => {
    let alarms = 0;
    for (let i = 0; i < 40; i++) if (simulateCanary({ ...DEFAULT_SCENARIO, minutes: 60 }, 2026 + i).metric) alarms++;
    // α = 5 %: 40 canaries expect 2 at most on average; 6 is beyond the binomial 99.5 % quantile.
    expect(alarms).toBeLessThanOrEqual(6);
  });

  it('finds an error-rate regression on errorRate and a latency one on latencyP95', () => {
    for (let i = 0; i < 5; i++) {
      expect(simulateCanary({ ...DEFAULT_SCENARIO, candidateErrorRate: 0.08, minutes: 240 }, 2026 + i).metric).toBe('errorRate');
      expect(simulateCanary({ ...DEFAULT_SCENARIO, latencyFactor: 1.2, minutes: 240 }, 2026 + i).metric).toBe('latencyP95');
    }
  });

  it('the same seed gives the same canary', () => {
    const s = { ...DEFAULT_SCENARIO, candidateErrorRate: 0.08, minutes: 240 };
    expect(simulateCanary(s, 99)).toEqual(simulateCanary(s, 99));
  });

  it('Wilson interval of 7 in 1,000', () => {
    const ci = wilsonInterval(7, 1000);
    expect(ci.low).toBeCloseTo(0.0034, 3);
    expect(ci.high).toBeCloseTo(0.0144, 3);
  });
});
