// compare on seeded populations with known answers: chat-api in production, 1.1.0 with 2,000
// requests / 100 errors against 1.2.0 with 2,000 / 180 (its POST /chat slower, failing more and
// using more tokens), staging and another service that must not leak in, a control version, a tiny
// version, and a heavy-traffic pair whose difference is significant but too small to matter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store/store.js';
import { compare } from '../../queries/compare/compare.js';
import type { CompareResult, Metric } from '../../queries/compare/schema.js';
import { cohortSql, cohortsSql, scopeSql, type CohortSpec } from '../../queries/cohort.js';
import { queryRows } from '../../queries/run-query.js';
import { openTestStore, seed, T0, MINUTE } from '../helpers/seed-spans.js';

let store: Store;
const base = { service: 'chat-api', environment: 'production', children: 1, inputTokens: 1000, outputTokens: 200, spacingMs: 2000 };

beforeAll(async () => {
  store = await openTestStore();
  const c = store.client;
  // 1.1.0: two request names, 1,000 requests and 50 errors each, 200 ms median-ish, one LLM child.
  await seed(c, { ...base, version: '1.1.0', names: ['POST /chat'], requests: 1000, errors: 50, latencyMs: 200, startMs: T0, seed: 'a1' });
  await seed(c, { ...base, version: '1.1.0', names: ['GET /history'], requests: 1000, errors: 50, latencyMs: 200, startMs: T0 + 1000, seed: 'a2' });
  // 1.2.0, from minute 20: POST /chat regressed (130 errors, +30 % latency, 1,300 input tokens, an extra span, another model).
  await seed(c, {
    ...base, version: '1.2.0', names: ['POST /chat'], requests: 1000, errors: 130, latencyMs: 260, startMs: T0 + 20 * MINUTE,
    children: 2, inputTokens: 1300, model: 'gpt-4o-mini', seed: 'b1',
  });
  await seed(c, { ...base, version: '1.2.0', names: ['GET /history'], requests: 1000, errors: 50, latencyMs: 200, startMs: T0 + 20 * MINUTE + 1000, seed: 'b2' });
  // Must not leak into production chat-api: staging, and another service in production.
  await seed(c, { ...base, environment: 'staging', version: '1.1.0', requests: 500, errors: 250, latencyMs: 1000, startMs: T0, seed: 's1' });
  await seed(c, { ...base, environment: 'staging', version: '1.2.0', requests: 500, errors: 0, latencyMs: 50, startMs: T0, seed: 's2' });
  await seed(c, { ...base, service: 'search-api', version: '1.2.0', requests: 1000, errors: 500, latencyMs: 900, startMs: T0, seed: 'o1' });
  // A control that behaves like 1.1.0 (110 errors in 2,000), and a version too small to judge.
  await seed(c, { ...base, version: '1.1.1', names: ['POST /chat', 'GET /history'], requests: 2000, errors: 110, latencyMs: 200, startMs: T0, seed: 'ctl' });
  await seed(c, { ...base, version: '1.3.0-rc', requests: 40, errors: 2, latencyMs: 200, startMs: T0, seed: 'tiny' });
  // Heavy traffic: 5.0 % vs 5.2 % errors in 100,000 requests each (p ≈ 0.042, but only 0.2 points).
  await seed(c, { ...base, children: 0, version: 'big-a', requests: 100_000, errors: 5000, latencyMs: 200, spacingMs: 10, startMs: T0, seed: 'big-a' });
  await seed(c, { ...base, children: 0, version: 'big-b', requests: 100_000, errors: 5200, latencyMs: 200, spacingMs: 10, startMs: T0, seed: 'big-b' });
  // An A/B test inside one version, told apart by a feature-flag attribute.
  await seed(c, { ...base, version: '2.0.0', requests: 1000, errors: 50, latencyMs: 200, startMs: T0, attributes: { 'feature.flag': 'off' }, seed: 'ab-off' });
  await seed(c, { ...base, version: '2.0.0', requests: 1000, errors: 50, latencyMs: 300, startMs: T0, attributes: { 'feature.flag': 'on' }, seed: 'ab-on' });
  // Alignment with gaps: gap-a serves every minute 0–59 (10 a minute), gap-b one request in each of minutes 10, 12 and 14.
  await seed(c, { ...base, service: 'gap-api', version: 'gap-a', requests: 600, errors: 0, latencyMs: 200, spacingMs: 6000, startMs: T0, seed: 'gap-a' });
  await seed(c, { ...base, service: 'gap-api', version: 'gap-b', requests: 3, errors: 0, latencyMs: 200, spacingMs: 2 * MINUTE, startMs: T0 + 10 * MINUTE, seed: 'gap-b' });
}, 120_000);

afterAll(async () => {
  await store?.close();
});

const m = (r: CompareResult, name: Metric['name']) => r.metrics.find((x) => x.name === name)!;
const prod = { service: 'chat-api', environment: 'production' };

describe('compare 1.1.0 → 1.2.0 in production', () => {
  let r: CompareResult;
  beforeAll(async () => {
    r = await compare(store.client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' } });
  });

  it('counts exactly the production chat-api requests and errors of each version', () => {
    expect(r.baseline).toMatchObject({ requests: 2000, errors: 100, errorRate: 0.05 });
    expect(r.candidate).toMatchObject({ requests: 2000, errors: 180, errorRate: 0.09 });
    // 1.2.0's POST /chat moved to another model: by name and model, half of each side has no counterpart.
    expect(r.warnings).toEqual([
      "mix adjustment: the strata (by name, model) barely overlap: only 50 % of the baseline's and 50 % of the candidate's requests are in strata both served; the adjusted deltas describe those strata only (a new model or route has no counterpart: --stratify with fewer keys compares across it)",
    ]);
  });

  it('tests the error rate with the pooled two-proportion z-test (hand computation: z = 4.958, p = 7.14e-7)', () => {
    const e = m(r, 'errorRate');
    expect(e.delta).toBeCloseTo(0.04, 12);
    // p = 2·(1 − Φ(0.04 / sqrt(0.07 · 0.93 · (1/2000 + 1/2000)))) = 2·(1 − Φ(4.9576))
    expect(e.pValue).toBeGreaterThan(7.0e-7);
    expect(e.pValue).toBeLessThan(7.3e-7);
    // Wald interval: 0.04 ± 1.96 · sqrt(0.05·0.95/2000 + 0.09·0.91/2000) = [0.02423, 0.05577]
    expect(e.ciLow).toBeCloseTo(0.024235, 5);
    expect(e.ciHigh).toBeCloseTo(0.055765, 5);
    expect(e.test).toBe('two-proportion z-test');
    expect(e.verdict).toBe('worse');
    expect(r.regression).toBe(true);
  });

  it('agrees with ClickHouse proportionsZTest', async () => {
    const res = await store.client.query({ query: "SELECT proportionsZTest(180, 100, 2000, 2000, 0.95, 'pooled') AS t", format: 'JSONEachRow' });
    const [{ t }] = await res.json<{ t: { p_value: number; confidence_interval_low: number; confidence_interval_high: number } }>();
    const e = m(r, 'errorRate');
    expect(e.pValue! / t.p_value).toBeCloseTo(1, 5);
    expect(e.ciLow).toBeCloseTo(t.confidence_interval_low, 9);
    expect(e.ciHigh).toBeCloseTo(t.confidence_interval_high, 9);
  });

  it('reports the Mann–Whitney U test of the distribution once, and each quantile on its own interval', () => {
    // 1.1.0: 100…298 ms; 1.2.0: half of it 130…387 ms, half like 1.1.0.
    expect(r.baseline.latencyMs!.p50).toBeGreaterThan(190);
    expect(r.baseline.latencyMs!.p50).toBeLessThan(210);
    expect(r.latencyDistribution.test).toBe('Mann-Whitney U');
    expect(r.latencyDistribution.pValue).toBeLessThan(1e-6);
    const p95 = m(r, 'latencyP95');
    expect(p95.delta!).toBeGreaterThan(0.1 * p95.baseline!);
    expect(p95.ciLow!).toBeLessThan(p95.delta!);
    expect(p95.ciHigh!).toBeGreaterThan(p95.delta!);
    expect(p95.verdict).toBe('worse');
    const quantiles = r.metrics.filter((x) => x.unit === 'ms');
    expect(quantiles.map((x) => x.test)).toEqual(Array(4).fill('quantile difference (order-statistic intervals)'));
    // Four p-values, no longer one shared one, each agreeing with its own interval.
    expect(new Set(quantiles.map((x) => x.pValue)).size).toBe(4);
    for (const q of quantiles) {
      expect(q.pValue! < 0.05).toBe(q.ciLow! > 0 || q.ciHigh! < 0);
    }
  });

  it('computes tokens and spans per request over each trace', () => {
    // Input tokens: (1000 · 1300 + 1000 · 1000) / 2000 = 1150 vs 1000 (the alternating ±5 averages out).
    expect(r.baseline.inputTokensPerRequest).toBe(1000);
    expect(r.candidate.inputTokensPerRequest).toBe(1150);
    expect(r.baseline.outputTokensPerRequest).toBe(200);
    expect(r.candidate.outputTokensPerRequest).toBe(200);
    expect(r.baseline.spansPerRequest).toBe(2);
    expect(r.candidate.spansPerRequest).toBe(2.5);
    expect(m(r, 'inputTokensPerRequest').verdict).toBe('worse');
    expect(m(r, 'outputTokensPerRequest')).toMatchObject({ delta: 0, verdict: 'no_significant_difference' });
    expect(m(r, 'spansPerRequest').verdict).toBe('worse');
  });

  it('gives the same counts, tokens and p-values when the sides are filters instead of versions (raw path)', async () => {
    const f = await compare(store.client, { ...prod, baseline: { filter: "version = '1.1.0'" }, candidate: { filter: "version = '1.2.0'" } });
    for (const side of ['baseline', 'candidate'] as const) {
      expect(f[side]).toMatchObject({
        requests: r[side].requests,
        errors: r[side].errors,
        inputTokensPerRequest: r[side].inputTokensPerRequest,
        outputTokensPerRequest: r[side].outputTokensPerRequest,
        spansPerRequest: r[side].spansPerRequest,
        firstSeen: r[side].firstSeen,
        lastSeen: r[side].lastSeen,
      });
      // Exact quantiles (raw) vs merged t-digests (rollup): within 1 %.
      expect(Math.abs(f[side].latencyMs!.p95 / r[side].latencyMs!.p95 - 1)).toBeLessThan(0.01);
    }
    for (const name of ['errorRate', 'inputTokensPerRequest', 'spansPerRequest'] as const) {
      expect(m(f, name).pValue).toBeCloseTo(m(r, name).pValue!, 12);
      expect(m(f, name).verdict).toBe(m(r, name).verdict);
    }
    // The quantiles' deltas are exact (raw) or t-digest (rollup) values; the test of the distribution is the same.
    expect(f.latencyDistribution.pValue).toBeCloseTo(r.latencyDistribution.pValue!, 12);
    expect(m(f, 'latencyP95').verdict).toBe(m(r, 'latencyP95').verdict);
  });
});

describe('verdict rules', () => {
  it('a control with 110 errors in 2,000 is no significant difference (p ≈ 0.478)', async () => {
    const r = await compare(store.client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.1.1' } });
    expect(r.candidate).toMatchObject({ requests: 2000, errors: 110 });
    // z = 0.005 / sqrt(0.0525 · 0.9475 · 0.001) = 0.7089 → p = 0.478
    expect(m(r, 'errorRate').pValue).toBeCloseTo(0.4784, 3);
    expect(r.metrics.map((x) => x.verdict)).not.toContain('worse');
    expect(m(r, 'errorRate').verdict).toBe('no_significant_difference');
    expect(m(r, 'latencyP50').verdict).toBe('no_significant_difference');
    expect(r.regression).toBe(false);
  });

  it('a significant but noise-sized shift on heavy traffic is not a regression, unless the threshold is lowered', async () => {
    const r = await compare(store.client, { ...prod, baseline: { version: 'big-a' }, candidate: { version: 'big-b' } });
    const e = m(r, 'errorRate');
    // z = 0.002 / sqrt(0.051 · 0.949 · 2e-5) = 2.033 → p = 0.042: significant, but 0.2 points < 0.3.
    expect(e.pValue).toBeCloseTo(0.0421, 3);
    expect(e.verdict).toBe('no_significant_difference');
    expect(r.regression).toBe(false);
    const strict = await compare(store.client, {
      ...prod, baseline: { version: 'big-a' }, candidate: { version: 'big-b' }, thresholds: { minErrorRateDelta: 0.001 },
    });
    expect(m(strict, 'errorRate').verdict).toBe('worse');
    // Heavy traffic is tested on a deterministic sample of traces; the counts stay exact.
    expect(strict.sampling.baselineRate).toBeCloseTo(0.2, 9);
    expect(strict.sampling.baselineSampledRequests).toBeGreaterThan(18_000);
    expect(strict.sampling.baselineSampledRequests).toBeLessThan(22_000);
    expect(strict.baseline.requests).toBe(100_000);
  });

  it('warns and refuses a verdict when a side is too small', async () => {
    const r = await compare(store.client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.3.0-rc' } });
    expect(r.candidate).toMatchObject({ requests: 40, errors: 2 });
    expect(r.warnings[0]).toBe('candidate has 40 requests: at least 100 per side are needed to conclude (minRequests)');
    expect(new Set(r.metrics.map((x) => x.verdict))).toEqual(new Set(['insufficient_data']));
    expect(r.regression).toBe(false);
    expect(r.sufficiency).toEqual({
      sufficient: false,
      minRequests: 100,
      baseline: { requests: 2000, enough: true, versionKnown: true },
      candidate: { requests: 40, enough: false, versionKnown: true },
      missing: ['candidate has 40 requests, fewer than the 100 a verdict needs (minRequests)'],
    });
  });

  it('answers insufficient_data for a version that does not exist', async () => {
    const r = await compare(store.client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '9.9.9' } });
    expect(r.candidate.requests).toBe(0);
    expect(r.candidate.latencyMs).toBeNull();
    expect(m(r, 'errorRate').verdict).toBe('insufficient_data');
    expect(r.sufficiency).toMatchObject({
      sufficient: false,
      candidate: { requests: 0, enough: false, versionKnown: false },
      missing: ['candidate version 9.9.9 is unknown: it has no requests in service chat-api, environment production at any time'],
    });
  });

  it('tells a known version with no traffic in the window from an unknown one, and a filter that selected nothing', async () => {
    const before = { fromMs: T0 - 60 * MINUTE, toMs: T0 };
    const r = await compare(store.client, { ...prod, range: before, baseline: { version: '1.1.0' }, candidate: { filter: "version = '1.2.0'" } });
    expect(r.sufficiency).toEqual({
      sufficient: false,
      minRequests: 100,
      baseline: { requests: 0, enough: false, versionKnown: true },
      candidate: { requests: 0, enough: false, versionKnown: null },
      missing: ['baseline version 1.1.0 has no requests in the window', `candidate "version = '1.2.0'" has no requests in the window`],
    });
  });

  it('compares an A/B test inside one version by a feature-flag filter', async () => {
    const r = await compare(store.client, {
      ...prod,
      baseline: { version: '2.0.0', filter: "attributes.`feature.flag` = 'off'" },
      candidate: { version: '2.0.0', filter: "attributes.`feature.flag` = 'on'" },
    });
    expect(r.baseline).toMatchObject({ requests: 1000, errors: 50, spansPerRequest: 2, inputTokensPerRequest: 1000 });
    expect(r.candidate).toMatchObject({ requests: 1000, errors: 50, spansPerRequest: 2 });
    expect(m(r, 'errorRate')).toMatchObject({ delta: 0, pValue: 1, verdict: 'no_significant_difference' });
    expect(m(r, 'latencyP50').verdict).toBe('worse');
  });
});

describe("the sides' filters, compiled together", () => {
  const scope = scopeSql({ service: 'chat-api', environment: 'production', range: { fromMs: T0 - MINUTE, toMs: T0 + 120 * MINUTE } });
  /** The raw-span sub-queries in a side's SQL (balanced parentheses from each `(SELECT cityHash64(TraceId)`). */
  const scans = (sql: string): string[] => {
    const found: string[] = [];
    for (let at = sql.indexOf('(SELECT cityHash64(TraceId)'); at >= 0; at = sql.indexOf('(SELECT cityHash64(TraceId)', at + 1)) {
      let depth = 0;
      let end = at;
      for (; end < sql.length; end++) {
        depth += sql[end] === '(' ? 1 : sql[end] === ')' ? -1 : 0;
        if (depth === 0) break;
      }
      found.push(sql.slice(at, end + 1));
    }
    return found;
  };
  const counts = async (b: { sql: string; params: object }, c: { sql: string; params: object }) =>
    (await queryRows(store.client, `SELECT countIf(${b.sql}) AS b, countIf(${c.sql}) AS c FROM verdict_traces_live WHERE ${scope.sql}`, { ...scope.params, ...b.params, ...c.params }))[0];

  const pairs: Array<[CohortSpec, CohortSpec]> = [
    [{ version: '2.0.0', filter: "attributes.`feature.flag` = 'off'" }, { version: '2.0.0', filter: "attributes.`feature.flag` = 'on'" }],
    // Request-span and any-span conditions, NOT and OR, a fact, and one side without a version.
    [{ filter: "attributes.`feature.flag` = 'on' OR span.name = 'chat gpt-4o-mini'" }, { version: '2.0.0', filter: "NOT attributes.`feature.flag` = 'on' AND span.name LIKE 'chat%' AND status = 'ERROR'" }],
    [{ version: '1.1.0' }, { filter: "tags.`feature.flag` IN ('on', 'off') AND span.name = 'chat gpt-4o'" }],
  ];

  it.each(pairs.map((p, i) => [i, ...p]))('pair %i: match the same traces as each compiled alone, read by one scan per kind', async (_, baseline, candidate) => {
    const alone = [cohortSql(baseline, scope, 'b_'), cohortSql(candidate, scope, 'c_')] as const;
    const together = cohortsSql([{ cohort: baseline, prefix: 'b_' }, { cohort: candidate, prefix: 'c_' }], scope);
    const expected = await counts(alone[0], alone[1]);
    expect(Number(expected.b)).toBeGreaterThan(0);
    expect(Number(expected.c)).toBeGreaterThan(0);
    expect(await counts(together[0], together[1])).toEqual(expected);
    // Raw-span conditions in all: one scan text per kind (request span, any span) across both sides.
    const all = [...scans(together[0].sql), ...scans(together[1].sql)];
    const kinds = new Set(all.map((scan) => (scan.startsWith('(SELECT cityHash64(TraceId), ServiceName') ? 'request' : 'any')));
    if (scans(alone[0].sql).length + scans(alone[1].sql).length > 1) expect(new Set(all).size).toBe(kinds.size);
    else expect(together).toEqual([...alone]);
  });
});

describe('compare options', () => {
  it('aligns both sides to the minutes where both were live', async () => {
    const r = await compare(store.client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' }, align: true });
    // 1.1.0 runs minutes 0–33, 1.2.0 minutes 20–53: the common window is [20, 34).
    expect(r.window).toEqual({ from: new Date(T0 + 20 * MINUTE).toISOString(), to: new Date(T0 + 34 * MINUTE).toISOString(), aligned: true, sharedMinutes: 14 });
    // 1.1.0 request i of each name starts at 2 s · i (+1 s for the second name): i = 600…999 → 400 each.
    expect(r.baseline.requests).toBe(800);
    // 1.2.0 request i starts at 20 min + 2 s · i: i = 0…419 → 420 each.
    expect(r.candidate.requests).toBe(840);
  });

  it('aligns the breakdown groups to the same minutes as the sides, also when the shared minutes have gaps', async () => {
    const r = await compare(store.client, { service: 'gap-api', environment: 'production', baseline: { version: 'gap-a' }, candidate: { version: 'gap-b' }, align: true, by: 'name' });
    expect(r.window).toMatchObject({ aligned: true, sharedMinutes: 3 });
    // Minutes 10, 12 and 14 only: gap-a's 30 requests there, not its 50 in minutes 10–14.
    expect([r.baseline.requests, r.candidate.requests]).toEqual([30, 3]);
    expect(r.breakdown!.groups).toMatchObject([{ key: 'POST /chat', baseline: { requests: 30 }, candidate: { requests: 3 } }]);
  });

  it('adjusts for the mix by root operation when the model changed, and keeps the raw basis for a gate where strata barely overlap', async () => {
    const byName = await compare(store.client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' }, stratify: ['name'] });
    expect(byName.mixAdjustment).toMatchObject({ stratifiedBy: ['name'], strata: 2, sharedStrata: 2, coverage: { baseline: 1, candidate: 1 } });
    // Same 50/50 mix on both sides: the CMH risk difference is the raw one, (0.13 − 0.05 + 0) / 2 = 0.04.
    const e = byName.mixAdjustment!.metrics.find((x) => x.name === 'errorRate')!;
    expect(e.delta).toBeCloseTo(0.04, 12);
    expect(e.verdict).toBe('worse');
    const asked = await compare(store.client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' }, verdictBasis: 'adjusted' });
    expect(asked.mixAdjustment!.verdictBasis).toBe('raw');
    expect(asked.regression).toBe(true);
  });

  it('reports a sufficient comparison as such', async () => {
    const r = await compare(store.client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' } });
    expect(r.sufficiency).toEqual({
      sufficient: true,
      minRequests: 100,
      baseline: { requests: 2000, enough: true, versionKnown: true },
      candidate: { requests: 2000, enough: true, versionKnown: true },
      missing: [],
    });
  });

  it('breaks the comparison down by request name to locate the regression', async () => {
    const r = await compare(store.client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' }, by: 'name' });
    const groups = Object.fromEntries(r.breakdown!.groups.map((g) => [g.key, g]));
    expect(Object.keys(groups).sort()).toEqual(['GET /history', 'POST /chat']);
    expect(groups['POST /chat'].baseline).toMatchObject({ requests: 1000, errors: 50 });
    expect(groups['POST /chat'].candidate).toMatchObject({ requests: 1000, errors: 130 });
    expect(groups['POST /chat'].metrics.map((x) => x.verdict)).toEqual(['worse', 'worse']);
    expect(groups['GET /history'].metrics.map((x) => x.verdict)).toEqual(['no_significant_difference', 'no_significant_difference']);
    // The group's p95 has its own interval; its distribution test is ClickHouse's Mann–Whitney U over the group's requests.
    const direct = await store.client.query({
      query: `SELECT mannWhitneyUTest('two-sided')(Duration, toUInt8(AppVersion = '1.2.0')).2 AS p FROM otel_traces
              WHERE IsRequest = 1 AND ServiceName = 'chat-api' AND Environment = 'production' AND SpanName = 'POST /chat' AND AppVersion IN ('1.1.0', '1.2.0')`,
      format: 'JSONEachRow',
    });
    const [{ p }] = await direct.json<{ p: number }>();
    expect(groups['POST /chat'].latencyDistribution).toEqual({ test: 'Mann-Whitney U', pValue: expect.closeTo(p, 12) });
    expect(groups['POST /chat'].metrics[1].test).toBe('quantile difference (order-statistic intervals)');
    expect(groups['POST /chat'].metrics[1].pValue! < 0.05).toBe(groups['POST /chat'].metrics[1].ciLow! > 0);
  });

  it('breaks down by model even though the model is on the LLM child span', async () => {
    const r = await compare(store.client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' }, by: 'model' });
    const groups = Object.fromEntries(r.breakdown!.groups.map((g) => [g.key, g]));
    expect(groups['gpt-4o'].baseline.requests).toBe(2000);
    expect(groups['gpt-4o'].candidate.requests).toBe(1000);
    expect(groups['gpt-4o-mini'].baseline.requests).toBe(0);
    expect(groups['gpt-4o-mini'].candidate.requests).toBe(1000);
    expect(groups['gpt-4o-mini'].metrics[0].verdict).toBe('insufficient_data');
    // One side only: no latency test, rather than an error or a NaN.
    expect(groups['gpt-4o-mini'].metrics[1].pValue).toBeNull();
    expect(groups['gpt-4o-mini'].latencyDistribution.pValue).toBeNull();
  });

  it('breaks down with a one-sided group even where if() evaluates both branches (a server profile may set that)', async () => {
    const client = Object.create(store.client) as typeof store.client;
    client.query = (params) => store.client.query({ ...params, clickhouse_settings: { ...params.clickhouse_settings, short_circuit_function_evaluation: 'disable' } });
    const r = await compare(client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' }, by: 'model' });
    const groups = Object.fromEntries(r.breakdown!.groups.map((g) => [g.key, g]));
    expect(groups['gpt-4o-mini'].candidate.requests).toBe(1000);
    expect(groups['gpt-4o'].metrics[1].pValue).not.toBeNull();
  });

  it('rejects a side with neither version nor filter', async () => {
    await expect(compare(store.client, { baseline: {}, candidate: { version: '1.2.0' } })).rejects.toMatchObject({ code: 'INVALID_QUERY_INPUT' });
  });
});
