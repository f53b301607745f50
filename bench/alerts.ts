// bench:alerts — does looking every minute keep false alarms at α, and how soon is a real
// regression found? 1,000 simulated A/A canaries (1,000 requests/min, 10 % to the candidate, a look
// every minute for 2 hours, seed 2026) give the false-alarm rate with its binomial interval; two
// injected regressions (error rate 5 → 8 %, p95 +20 %) give the candidate requests needed to detect
// them, beside the fixed-horizon test's sample size for 80 % power at the same per-metric α.
import { loadavg } from 'node:os';
import { fixedHorizonSamples, normalQuantile } from '../alerts/msprt.js';
import { DEFAULT_SCENARIO, simulateCanary, wilsonInterval, type CanaryScenario } from '../alerts/simulate.js';

const SEED = 2026;
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const AA_RUNS = Number(args.get('aa') ?? 1000);
const DETECT_RUNS = Number(args.get('detect') ?? 200);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function run(name: string, scenario: CanaryScenario, runs: number): { alarms: number; requests: number[] } {
  const started = Date.now();
  let alarms = 0;
  const requests: number[] = [];
  for (let i = 0; i < runs; i++) {
    const o = simulateCanary(scenario, SEED * 100_000 + i);
    if (o.metric) {
      alarms++;
      requests.push(o.candidateRequests!);
    }
  }
  requests.sort((a, b) => a - b);
  console.error(`${name}: ${runs} canaries in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { alarms, requests };
}

const aa = run('A/A', DEFAULT_SCENARIO, AA_RUNS);
const rate = aa.alarms / AA_RUNS;
const ci = wilsonInterval(aa.alarms, AA_RUNS);

// Detection: followed for up to 6 hours so that slow detections are measured rather than cut off.
const errors = run('error rate 5 → 8 %', { ...DEFAULT_SCENARIO, candidateErrorRate: 0.08, minutes: 360 }, DETECT_RUNS);
const latency = run('p95 +20 %', { ...DEFAULT_SCENARIO, latencyFactor: 1.2, minutes: 360 }, DETECT_RUNS);

// Fixed horizon, one-sided at the per-metric α (α/2), 80 % power, candidate requests with the
// baseline 9× larger (its variance contribution per candidate request is divided by 9).
const alphaShare = DEFAULT_SCENARIO.alpha / 2;
const ratio = DEFAULT_SCENARIO.candidateShare / (1 - DEFAULT_SCENARIO.candidateShare);
const fixedErrors = fixedHorizonSamples(0.03, 0.08 * 0.92 + 0.05 * 0.95 * ratio, alphaShare, 0.8);
// Sample p95 variance: p(1−p)/(n f(q)²), f the log-normal density at its 95th percentile.
const z95 = normalQuantile(0.95);
const q95 = (scale: number) => scale * DEFAULT_SCENARIO.medianMs * Math.exp(DEFAULT_SCENARIO.sigma * z95);
const density = (scale: number) => Math.exp(-(z95 * z95) / 2) / Math.sqrt(2 * Math.PI) / (q95(scale) * DEFAULT_SCENARIO.sigma);
const p95Var = (scale: number) => (0.95 * 0.05) / density(scale) ** 2;
const fixedLatency = fixedHorizonSamples(0.2 * q95(1), p95Var(1.2) + p95Var(1) * ratio, alphaShare, 0.8);

const describe = (r: { alarms: number; requests: number[] }, runs: number) => ({
  detected: `${r.alarms}/${runs}`,
  medianRequests: r.requests.length ? quantile(r.requests, 0.5) : null,
  p80Requests: r.requests.length ? quantile(r.requests, 0.8) : null,
  p90Requests: r.requests.length ? quantile(r.requests, 0.9) : null,
});

const report = {
  seed: SEED,
  loadAverage: loadavg().map((x) => x.toFixed(2)).join(' '),
  scenario: '1,000 req/min, 10 % to the candidate, a look every minute, α = 5 % per canary split over errorRate and latencyP95, thresholds 1 pt / 10 %, τ = 2 × threshold',
  falseAlarms: { canaries: AA_RUNS, minutes: 120, alarms: aa.alarms, rate, ci95: [ci.low, ci.high], withinAlpha: ci.low <= DEFAULT_SCENARIO.alpha },
  errorRate5to8: { ...describe(errors, DETECT_RUNS), fixedHorizon80: fixedErrors },
  latencyP95plus20: { ...describe(latency, DETECT_RUNS), fixedHorizon80: fixedLatency },
};
console.log(JSON.stringify(report, null, 2));
