// Simulated canaries for bench:alerts and the tests: per minute, a baseline and a candidate receive
// requests (errors Bernoulli, latency log-normal); at every minute the watcher's decision rule
// (alerts/msprt.ts, α split over the metrics, the practical threshold also required) looks at the
// cumulative estimates with the standard errors compare's intervals give: Wald for the error rate,
// and the binomial order-statistic interval of each side's p95.
import { normalQuantile, sequentialLook } from './msprt.js';
import { binomialSample, mulberry32, normalSample } from './random.js';

export interface CanaryScenario {
  requestsPerMinute: number;
  candidateShare: number;
  minutes: number;
  baselineErrorRate: number;
  candidateErrorRate: number;
  /** Median latency (ms) and log-normal σ; the candidate's latencies are multiplied by latencyFactor. */
  medianMs: number;
  sigma: number;
  latencyFactor: number;
  alpha: number;
  minErrorRateDelta: number;
  minLatencyChange: number;
  minRequests: number;
  /** τ in multiples of the practical threshold (the watcher's MIXTURE_SCALE). */
  mixtureScale: number;
}

export interface CanaryOutcome {
  /** The metric that alarmed first, or null. */
  metric: 'errorRate' | 'latencyP95' | null;
  minute: number | null;
  candidateRequests: number | null;
}

// Latency histogram: log-spaced bins between 1 ms and 60 s.
const BINS = 2000;
const LOW = Math.log(1);
const HIGH = Math.log(60_000);
const binOf = (ms: number) => Math.min(BINS - 1, Math.max(0, Math.floor(((Math.log(ms) - LOW) / (HIGH - LOW)) * BINS)));
const valueOf = (bin: number) => Math.exp(LOW + ((bin + 0.5) / BINS) * (HIGH - LOW));

/** p95 and the standard error its 95 % order-statistic interval implies, from a histogram of n values. */
function p95WithSe(hist: Uint32Array, n: number): { value: number; se: number } {
  const p = 0.95;
  const z = normalQuantile(0.975);
  const half = z * Math.sqrt(n * p * (1 - p));
  const ranks = [Math.max(1, n * p - half), n * p, Math.min(n, n * p + half)];
  const out: number[] = [];
  let seen = 0;
  for (let b = 0, r = 0; b < BINS && r < 3; b++) {
    seen += hist[b];
    while (r < 3 && seen >= ranks[r]) out[r++] = valueOf(b);
  }
  return { value: out[1], se: (out[2] - out[0]) / (2 * z) };
}

export function simulateCanary(s: CanaryScenario, seed: number): CanaryOutcome {
  const rand = mulberry32(seed);
  const nc = Math.round(s.requestsPerMinute * s.candidateShare);
  const nb = s.requestsPerMinute - nc;
  const histB = new Uint32Array(BINS);
  const histC = new Uint32Array(BINS);
  const mu = Math.log(s.medianMs);
  let eb = 0;
  let ec = 0;
  const share = s.alpha / 2;
  for (let minute = 1; minute <= s.minutes; minute++) {
    eb += binomialSample(rand, nb, s.baselineErrorRate);
    ec += binomialSample(rand, nc, s.candidateErrorRate);
    for (let i = 0; i < nb; i++) histB[binOf(Math.exp(mu + s.sigma * normalSample(rand)))]++;
    for (let i = 0; i < nc; i++) histC[binOf(s.latencyFactor * Math.exp(mu + s.sigma * normalSample(rand)))]++;
    const Nb = nb * minute;
    const Nc = nc * minute;
    if (Nb < s.minRequests || Nc < s.minRequests) continue;

    const pb = eb / Nb;
    const pc = ec / Nc;
    const dErr = pc - pb;
    const seErr = Math.sqrt((pb * (1 - pb)) / Nb + (pc * (1 - pc)) / Nc);
    if (seErr > 0 && dErr >= s.minErrorRateDelta && sequentialLook(dErr, seErr, s.mixtureScale * s.minErrorRateDelta, share).crossed) {
      return { metric: 'errorRate', minute, candidateRequests: Nc };
    }
    const b = p95WithSe(histB, Nb);
    const c = p95WithSe(histC, Nc);
    const min = s.minLatencyChange * b.value;
    const dLat = c.value - b.value;
    const seLat = Math.sqrt(b.se ** 2 + c.se ** 2);
    if (seLat > 0 && dLat >= min && sequentialLook(dLat, seLat, s.mixtureScale * min, share).crossed) {
      return { metric: 'latencyP95', minute, candidateRequests: Nc };
    }
  }
  return { metric: null, minute: null, candidateRequests: null };
}

/** Wilson score interval for k successes in n trials. */
export function wilsonInterval(k: number, n: number, confidence = 0.95): { low: number; high: number } {
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export const DEFAULT_SCENARIO: CanaryScenario = {
  requestsPerMinute: 1000,
  candidateShare: 0.1,
  minutes: 120,
  baselineErrorRate: 0.05,
  candidateErrorRate: 0.05,
  medianMs: 200,
  sigma: 0.5,
  latencyFactor: 1,
  alpha: 0.05,
  minErrorRateDelta: 0.01,
  minLatencyChange: 0.1,
  minRequests: 100,
  mixtureScale: 2,
};
