// `verdict compare --align` on a canary, end to end through the CLI with --json: 2.0.0 alone for
// 10 minutes, then 2.0.0 and 2.1.0 at 90/10 for 20 minutes, then 2.1.0 alone for 20 minutes, then a
// rollback to 2.0.0 for 10 minutes. Aligned means only the minutes both versions served, on both
// sides: the candidate's 40 canary requests (not all 440) against the baseline's 360 of those
// minutes. The same answer from the rollups (versions) and from the settled traces (filters).
import { beforeAll, describe, expect, it } from 'vitest';
import { dirname } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { MINUTE, openTestStore, seed, T0 } from '../helpers/seed-spans.js';

let dataDir: string;
const base = { service: 'shop-api', environment: 'production', latencyMs: 100 };

beforeAll(async () => {
  const store = await openTestStore();
  dataDir = dirname(store.location);
  const c = store.client;
  // 2.0.0 alone, minutes 0–9: 20 a minute.
  await seed(c, { ...base, version: '2.0.0', requests: 200, errors: 10, startMs: T0, spacingMs: 3000, seed: 'before' });
  // The canary, minutes 10–29: 2.0.0 at 18 a minute (12 + 6, interleaved), 2.1.0 at 2 a minute.
  await seed(c, { ...base, version: '2.0.0', requests: 240, errors: 12, startMs: T0 + 10 * MINUTE, spacingMs: 5000, seed: 'canary-a' });
  await seed(c, { ...base, version: '2.0.0', requests: 120, errors: 6, startMs: T0 + 10 * MINUTE + 2500, spacingMs: 10_000, seed: 'canary-b' });
  await seed(c, { ...base, version: '2.1.0', requests: 40, errors: 2, startMs: T0 + 10 * MINUTE + 1000, spacingMs: 30_000, seed: 'canary-c' });
  // 2.1.0 alone, minutes 30–49, then the rollback to 2.0.0, minutes 50–59.
  await seed(c, { ...base, version: '2.1.0', requests: 400, errors: 20, startMs: T0 + 30 * MINUTE, spacingMs: 3000, seed: 'after' });
  await seed(c, { ...base, version: '2.0.0', requests: 200, errors: 10, startMs: T0 + 50 * MINUTE, spacingMs: 3000, seed: 'rollback' });
  await store.close();
});


async function compareJson(...args: string[]): Promise<Record<string, any>> {
  const r = await runCli(['compare', '--data-dir', dataDir, '--service', 'shop-api', '--env', 'production', '--json', ...args]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe('compare --align on a canary', () => {
  it('without --align each side is all of its traffic', async () => {
    const r = await compareJson('--baseline', '2.0.0', '--candidate', '2.1.0');
    expect(r.baseline).toMatchObject({ requests: 760, errors: 38 });
    expect(r.candidate).toMatchObject({ requests: 440, errors: 22 });
    expect(r.window).toEqual({ from: null, to: null, aligned: false, sharedMinutes: null });
  });

  it('aligned, both sides are only the 20 minutes both versions served: 360 and 40 requests', async () => {
    const r = await compareJson('--baseline', '2.0.0', '--candidate', '2.1.0', '--align');
    expect(r.window).toEqual({ from: new Date(T0 + 10 * MINUTE).toISOString(), to: new Date(T0 + 30 * MINUTE).toISOString(), aligned: true, sharedMinutes: 20 });
    expect(r.baseline).toMatchObject({ requests: 360, errors: 18, errorRate: 0.05 });
    expect(r.candidate).toMatchObject({ requests: 40, errors: 2, errorRate: 0.05 });
    expect(r.sampling).toMatchObject({ baselineSampledRequests: 360, candidateSampledRequests: 40 });
    // 40 canary requests are too few for the default minimum of 100: the gate says so.
    expect(r.sufficiency).toMatchObject({ sufficient: false, missing: ['candidate has 40 requests, fewer than the 100 a verdict needs (minRequests)'] });
  });

  it('gives the same aligned sides when they are filters (settled traces instead of rollups), and per group with --by', async () => {
    const r = await compareJson('--baseline-filter', "version = '2.0.0'", '--candidate-filter', "version = '2.1.0'", '--align', '--by', 'name');
    expect(r.window).toMatchObject({ aligned: true, sharedMinutes: 20 });
    expect(r.baseline).toMatchObject({ requests: 360, errors: 18 });
    expect(r.candidate).toMatchObject({ requests: 40, errors: 2 });
    expect(r.breakdown.groups).toMatchObject([{ key: 'POST /chat', baseline: { requests: 360 }, candidate: { requests: 40 } }]);
  });

  it('a gate on the aligned canary exits 3 for too few requests, and judges with a lower minimum', async () => {
    const gate = await runCli(['compare', '--data-dir', dataDir, '--service', 'shop-api', '--env', 'production', '--baseline', '2.0.0', '--candidate', '2.1.0', '--align', '--fail-on-regression']);
    expect(gate.code).toBe(3);
    const judged = await compareJson('--baseline', '2.0.0', '--candidate', '2.1.0', '--align', '--min-requests', '40');
    expect(judged.sufficiency.sufficient).toBe(true);
    expect(judged.metrics.find((m: { name: string }) => m.name === 'errorRate')).toMatchObject({ delta: 0, verdict: 'no_significant_difference' });
  });
});
