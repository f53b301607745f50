// Mix adjustment against Simpson's paradox, end to end through `verdict compare --json`. On each
// route the candidate v2 is as good as or better than v1 (GET /fast: 1 % errors, ~100 ms on both;
// POST /slow: 9 % against 10 % errors, ~950 against ~1000 ms), but it serves 80 % slow requests
// where v1 served 20 %. Raw, v2 is worse on errors, latency and tokens; stratified by root
// operation and model it is not. The CMH and standardised numbers are checked against a hand
// computation written out below.
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { openTestStore, seed, T0 } from '../helpers/seed-spans.js';

let dataDir: string;
const base = { service: 'shop-api', environment: 'production', children: 1, outputTokens: 20, spacingMs: 1000 };
const fast = { ...base, names: ['GET /fast'], latencyMs: 100, inputTokens: 100 };
const slow = { ...base, names: ['POST /slow'], inputTokens: 1000 };

beforeAll(async () => {
  const store = await openTestStore();
  dataDir = dirname(store.location);
  await seed(store.client, { ...fast, version: 'v1', requests: 800, errors: 8, startMs: T0, seed: 'v1-fast' });
  await seed(store.client, { ...slow, version: 'v1', requests: 200, errors: 20, latencyMs: 1000, startMs: T0 + 500, seed: 'v1-slow' });
  await seed(store.client, { ...fast, version: 'v2', requests: 200, errors: 2, startMs: T0, seed: 'v2-fast' });
  await seed(store.client, { ...slow, version: 'v2', requests: 800, errors: 72, latencyMs: 950, startMs: T0 + 500, seed: 'v2-slow' });
  await store.close();
});

const compareArgs = ['compare', '--service', 'shop-api', '--env', 'production', '--baseline', 'v1', '--candidate', 'v2'];
async function compareJson(...args: string[]): Promise<any> {
  const r = await runCli([...compareArgs, '--data-dir', dataDir, '--json', ...args]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}
const named = (list: Array<{ name: string }>, name: string): any => list.find((m) => m.name === name);

describe("compare on a population with Simpson's paradox", () => {
  let r: any;
  beforeAll(async () => {
    r = await compareJson();
  });

  it('raw: v2 is worse (28 vs 74 errors in 1,000; mean latency 278.6 vs 776.1 ms; 280 vs 820 input tokens)', () => {
    expect(r.baseline).toMatchObject({ requests: 1000, errors: 28, inputTokensPerRequest: 280, spansPerRequest: 2 });
    expect(r.candidate).toMatchObject({ requests: 1000, errors: 74, inputTokensPerRequest: 820, spansPerRequest: 2 });
    expect(named(r.metrics, 'errorRate')).toMatchObject({ delta: expect.closeTo(0.046, 12), verdict: 'worse' });
    expect(named(r.metrics, 'inputTokensPerRequest').verdict).toBe('worse');
    expect(r.regression).toBe(true);
  });

  it('error rate, Cochran–Mantel–Haenszel by hand: RD −0.005, Sato interval [−0.02896, 0.01896], p 0.679', () => {
    // Strata (baseline errors/n0, candidate errors/n1): fast 8/800 vs 2/200, slow 20/200 vs 72/800.
    // w = n1·n0/T: 160 and 160. RD = Σ(a·n0 − c·n1)/T / Σw = (0 + (57600 − 16000)/1000 … ) →
    //   fast (2·800 − 8·200)/1000 = 0; slow (72·200 − 20·800)/1000 = −1.6; RD = −1.6 / 320 = −0.005.
    // Sato: P = Σ(n1²c − n0²a + n1·n0·(n0 − n1)/2)/T² = (40000·8 − 640000·2 + 160000·300)/10⁶
    //   + (640000·20 − 40000·72 − 160000·300)/10⁶ = 47.04 − 38.08 = 8.96;
    //   Q = Σ(a(n0 − c) + c(n1 − a))/(2T) = (2·792 + 8·198)/2000 + (72·180 + 20·728)/2000 = 1.584 + 13.76 = 15.344;
    //   se = √(RD·P + Q) / Σw = √(−0.0448 + 15.344) / 320 = 0.0122232; interval RD ± 1.96·se.
    // CMH χ²: Σ(a − n1·m/T) = (2 − 2) + (72 − 73.6) = −1.6; ΣV = 1.98 + 12.985 = 14.9647; z = −0.4136, p = 0.6792.
    const e = named(r.mixAdjustment.metrics, 'errorRate');
    expect(e.test).toBe('Cochran-Mantel-Haenszel');
    expect(e.delta).toBeCloseTo(-0.005, 12);
    expect(e.rawDelta).toBeCloseTo(0.046, 12);
    expect(e.ciLow).toBeCloseTo(-0.0289570, 6);
    expect(e.ciHigh).toBeCloseTo(0.0189570, 6);
    expect(e.pValue).toBeCloseTo(0.67916, 4);
    expect(e.baseline).toBeCloseTo(0.028, 12);
    expect(e.verdict).toBe('no_significant_difference');
  });

  it("latency and tokens, standardised to v1's mix (80 % fast, 20 % slow)", () => {
    // Mean latency per route: fast 99.5 ms (both), slow 995 ms (v1) and 945.25 ms (v2).
    // v1: 0.8·99.5 + 0.2·995 = 278.6; v2 on v1's mix: 0.8·99.5 + 0.2·945.25 = 268.65; raw v2 776.1.
    const lat = named(r.mixAdjustment.metrics, 'latencyMean');
    expect(lat).toMatchObject({ unit: 'ms', test: 'direct standardisation to the baseline mix, z-test', verdict: 'no_significant_difference' });
    expect(lat.baseline).toBeCloseTo(278.6, 5);
    expect(lat.candidate).toBeCloseTo(268.65, 5);
    expect(lat.rawDelta).toBeCloseTo(776.1 - 278.6, 3);
    // se = √(0.8²(se²fast,v1 + se²fast,v2) + 0.2²(se²slow,v1 + se²slow,v2)) = 4.8847 (from the generated latencies).
    expect(lat.ciLow).toBeCloseTo(-9.95 - 1.959964 * 4.884744, 3);
    // Tokens: 100 (fast) and 1000 (slow) on both sides: no difference once the mix is the same.
    const tokens = named(r.mixAdjustment.metrics, 'inputTokensPerRequest');
    expect(tokens).toMatchObject({ baseline: 280, candidate: 280, delta: 0, rawDelta: 540, verdict: 'no_significant_difference' });
    expect(r.mixAdjustment.metrics.map((m: { verdict: string }) => m.verdict)).not.toContain('worse');
  });

  it('cost per request is adjusted too: worse raw (more of the token-heavy route), not on the baseline\'s mix', () => {
    expect(r.cost.verdict).toBe('worse');
    const cost = named(r.mixAdjustment.metrics, 'costPerRequest');
    expect(cost.unit).toBe('usd');
    expect(cost.rawDelta).toBeCloseTo(r.cost.delta, 12);
    // Same tokens per route on both sides, so the same cost per route: the standardised delta is 0.
    expect(cost.delta).toBeCloseTo(0, 12);
    expect(cost.verdict).not.toBe('worse');
  });

  it('says what it stratified by, which deltas decide, and warns where raw and adjusted disagree', () => {
    expect(r.mixAdjustment).toMatchObject({ stratifiedBy: ['name', 'model'], strata: 2, sharedStrata: 2, coverage: { baseline: 1, candidate: 1 }, verdictBasis: 'raw' });
    expect(r.warnings).toContain("errorRate is worse raw but not after adjusting for the mix by name, model (no_significant_difference): the candidate serves a different mix (Simpson's paradox)");
  });

  it('the gate: exit 1 on the raw basis, 0 with --verdict-basis adjusted', async () => {
    const raw = await runCli([...compareArgs, '--data-dir', dataDir, '--fail-on-regression']);
    expect(raw.code).toBe(1);
    const adjusted = await runCli([...compareArgs, '--data-dir', dataDir, '--fail-on-regression', '--verdict-basis', 'adjusted', '--json']);
    expect(adjusted.code).toBe(0);
    expect(JSON.parse(adjusted.stdout)).toMatchObject({ regression: false, mixAdjustment: { verdictBasis: 'adjusted' } });
  });

  it('--stratify chooses the keys: by model alone (one stratum) the adjustment is the raw comparison, and it warns on barely overlapping strata', async () => {
    const byModel = await compareJson('--stratify', 'model');
    expect(byModel.mixAdjustment).toMatchObject({ stratifiedBy: ['model'], strata: 1 });
    expect(named(byModel.mixAdjustment.metrics, 'inputTokensPerRequest').delta).toBeCloseTo(540, 9);
    // v2's slow requests only: a fifth of v1's requests are in the one stratum both served.
    const slowOnly = await compareJson('--candidate-filter', "name = 'POST /slow'");
    expect(slowOnly.mixAdjustment).toMatchObject({ strata: 2, sharedStrata: 1, coverage: { baseline: 0.2, candidate: 1 } });
    expect(slowOnly.warnings).toContain(
      "mix adjustment: the strata (by name, model) barely overlap: only 20 % of the baseline's and 100 % of the candidate's requests are in strata both served; the adjusted deltas describe those strata only (a new model or route has no counterpart: --stratify with fewer keys compares across it)",
    );
    const none = await compareJson('--stratify', 'none');
    expect(none.mixAdjustment).toBeNull();
    const bad = await runCli([...compareArgs, '--data-dir', dataDir, '--stratify', 'a,b']);
    expect([bad.code, bad.stderr]).toEqual([2, 'verdict: stratify takes name, model and at most one attribute key, got "a", "b"\n']);
  });
});
