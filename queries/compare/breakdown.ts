// compare --by: the same comparison within each group (root operation, model, or any attribute):
// counts, quantiles with their own intervals and verdicts, and each group's Mann–Whitney p-value of
// the whole distribution. Version cohorts by name or model read the rollups and a sample of traces;
// anything else is one pass over the settled traces.
import type { ClickHouseClient } from '@clickhouse/client';
import { latencyQuantiles } from '../rollup.js';
import { num, queryRows, renderSql, round, type QueryParams } from '../run-query.js';
import { QUANTILE_LEVELS, quantileDifferenceTest, twoProportionTest, type TestResult } from '../statistics.js';
import { latencyDistribution, metric } from './metrics.js';
import { pick, type Plan, type SideConditions } from './plan.js';
import { qualityAndCostByGroup, type Grouping, type QualityAndCost } from './quality-metrics.js';
import { cutFor, quantileIntervals, rollupScope, sampleScope } from './sides.js';
import type { TimeRange } from '../time-range.js';
import type { BreakdownGroup } from './schema.js';

const ms = (ns: number) => round(ns / 1e6, 3);

/** Each group's tests (group-tests.sql): the distribution test, and p50/p95 intervals at those two levels. */
const GROUP_INTERVALS = (() => {
  const ci = quantileIntervals();
  return { fragments: { group_tests: renderSql('compare/group-tests', ci.fragments) }, params: { ...ci.params, quantiles: [0.5, 0.95] } };
})();

/**
 * `groupsRead`, when given, is each group's cost and feedback already being read (with the whole
 * comparison's, by compare: quality-metrics.ts qualityAndCostWithGroups); `groupTotals`, each
 * group's rollup sums already being read with the sides' (sides.ts sidesWithGroups).
 */
export async function breakdown(
  client: ClickHouseClient,
  plan: Plan,
  conditions: SideConditions,
  range: TimeRange,
  groupsRead?: Promise<(key: string) => QualityAndCost>,
  groupTotals?: Promise<Record<string, unknown>[]>,
): Promise<{ by: string; groups: BreakdownGroup[] }> {
  const by = plan.options.by!;
  // Each group's cost per request and feedback, beside its counts (quality-metrics.ts).
  const extra = groupsRead ?? qualityAndCostByGroup(client, plan.options, range, plan, groupingOf(by, conditions));
  extra.catch(() => {});
  const groups = await counts(client, plan, conditions, by, groupTotals);
  const ofGroup = await extra;
  return {
    by,
    groups: groups.map((g) => {
      const { quality, cost } = ofGroup(g.key);
      return { ...g, quality, cost };
    }),
  };
}

export function groupingOf(by: string, conditions: SideConditions): Grouping {
  if (by === 'name' || by === 'model') return { key: by === 'name' ? 'RequestName' : 'Model', join: '', params: {} };
  return { key: 'attribute_value', join: renderSql('compare/breakdown-attribute', pick(conditions.fragments, 'span_scope')), params: { by_key: by } };
}

type GroupCounts = Omit<BreakdownGroup, 'quality' | 'cost'>;

async function counts(client: ClickHouseClient, plan: Plan, conditions: SideConditions, by: string, groupTotals?: Promise<Record<string, unknown>[]>): Promise<GroupCounts[]> {
  // Version against version by a fact the rollups are keyed by: their sums, and a sample for the test.
  if (!plan.raw && (by === 'name' || by === 'model')) return fromRollups(client, plan, conditions, by === 'name' ? 'RequestName' : 'Model', groupTotals);
  const params: QueryParams = { ...conditions.params, limit: plan.byLimit };
  const fragments = pick(conditions.fragments, 'scope', 'baseline', 'candidate');
  // The root operation and the model are facts of the settled trace; any other key is read from its spans.
  if (by === 'name' || by === 'model') {
    fragments.group_key = by === 'name' ? 'RequestName' : 'Model';
    fragments.group_join = '';
  } else {
    params.by_key = by;
    fragments.group_key = 'attribute_value';
    fragments.group_join = renderSql('compare/breakdown-attribute', pick(conditions.fragments, 'span_scope'));
  }
  Object.assign(fragments, GROUP_INTERVALS.fragments);
  Object.assign(params, GROUP_INTERVALS.params);
  const rows = await queryRows(client, renderSql('compare/breakdown', fragments), params);
  return rows.map((r) => group(r, plan));
}

/**
 * Groups of version cohorts: counts and latency quantiles from the rollups (as compare's sides), the
 * Mann–Whitney U p-value from a sample of each group's traces capped as compare's own test is. Both
 * reads are small, where one pass over every trace of both versions was not.
 */
async function fromRollups(client: ClickHouseClient, plan: Plan, conditions: SideConditions, column: 'RequestName' | 'Model', groupTotals?: Promise<Record<string, unknown>[]>): Promise<GroupCounts[]> {
  const range = { fromMs: Number(conditions.params.from_ms), toMs: Number(conditions.params.to_ms) };
  // Aligned, only the minutes both sides served, as the sides read them (the narrowed range alone
  // also holds the minutes between them in which one side served alone).
  const source = rollupScope(plan.options, range);
  const versions = { b_version: plan.options.baseline.version ?? '', c_version: plan.options.candidate.version ?? '' };
  const [p50, p95] = [QUANTILE_LEVELS.indexOf(0.5), QUANTILE_LEVELS.indexOf(0.95)];
  const totals = groupTotals ? largest(await groupTotals, plan.byLimit) : await queryRows(
    client,
    renderSql('compare/breakdown-rollup', {
      ...source.fragments,
      group_key: column,
      baseline_latency_quantiles: latencyQuantiles('sumMapIf(Latency, AppVersion = {b_version:String})'),
      candidate_latency_quantiles: latencyQuantiles('sumMapIf(Latency, AppVersion = {c_version:String})'),
    }),
    { ...source.params, ...versions, limit: plan.byLimit },
  );
  if (totals.length === 0) return [];
  const cut = (requests: unknown) => cutFor(num(requests) > 0 ? plan.sampleCap / num(requests) : 1);
  const groups = totals.map((r) => String(r.group_key));
  const bCuts = totals.map((r) => cut(r.b_requests));
  const cCuts = totals.map((r) => cut(r.c_requests));
  const max = (cuts: string[]) => cuts.reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b));
  const within = sampleScope([
    { cohort: 'in_baseline', sampled: '(in_baseline AND TraceHash <= {b_max_cut:UInt64})', cut: max(bCuts) },
    { cohort: 'in_candidate', sampled: '(in_candidate AND TraceHash <= {c_max_cut:UInt64})', cut: max(cCuts) },
  ]);
  const tests = await queryRows(client, renderSql('compare/breakdown-sample', { ...pick(conditions.fragments, 'scope', 'baseline', 'candidate'), ...GROUP_INTERVALS.fragments, group_key: column, sampled: within, live: renderSql('compare/live-traces') }), {
    ...conditions.params,
    ...GROUP_INTERVALS.params,
    groups,
    b_cuts: bCuts,
    c_cuts: cCuts,
    b_max_cut: max(bCuts),
    c_max_cut: max(cCuts),
  });
  // The sample's test and p50/p95 intervals beside the rollups' counts and quantiles.
  const sampled = new Map(tests.map((t) => [String(t.group_key), t]));
  const none = { latency_p_value: NaN, b_latency_lo_ns: [0, 0], b_latency_hi_ns: [0, 0], c_latency_lo_ns: [0, 0], c_latency_hi_ns: [0, 0] };
  return totals.map((r) => {
    const quantiles = (q: unknown) => [(q as unknown[])[p50], (q as unknown[])[p95]];
    const t = sampled.get(String(r.group_key)) ?? none;
    return group({ ...t, ...r, b_latency_ns: quantiles(r.b_quantiles), c_latency_ns: quantiles(r.c_quantiles) }, plan);
  });
}

function group(r: Record<string, unknown>, rules: Plan): GroupCounts {
  const side = (p: 'b' | 'c') => {
    const requests = num(r[`${p}_requests`]);
    const q = (r[`${p}_latency_ns`] as unknown[]).map(num);
    return {
      requests,
      errors: num(r[`${p}_errors`]),
      errorRate: requests > 0 ? num(r[`${p}_errors`]) / requests : null,
      latencyMs: requests > 0 ? { p50: ms(q[0]), p95: ms(q[1]) } : null,
    };
  };
  const bs = side('b');
  const cs = side('c');
  const enough = bs.requests >= rules.minRequests && cs.requests >= rules.minRequests;
  const errorTest = bs.requests > 0 && cs.requests > 0 ? twoProportionTest(bs.errors, bs.requests, cs.errors, cs.requests) : null;
  // Only a group with requests on both sides has tests (the SQL gives the others nan). The p95
  // is judged on its own interval; the distribution test is reported apart.
  const both = bs.requests > 0 && cs.requests > 0;
  const b95 = bs.latencyMs?.p95 ?? null;
  const c95 = cs.latencyMs?.p95 ?? null;
  const bounds = (p: 'b' | 'c') => [num((r[`${p}_latency_lo_ns`] as unknown[])[1]) / 1e6, num((r[`${p}_latency_hi_ns`] as unknown[])[1]) / 1e6] as [number, number];
  const latencyTest: TestResult | null = both && b95 !== null && c95 !== null ? quantileDifferenceTest(c95 - b95, bounds('b'), bounds('c')) : null;
  return {
    key: String(r.group_key),
    baseline: bs,
    candidate: cs,
    latencyDistribution: latencyDistribution(both ? r : undefined),
    metrics: [
      metric('errorRate', 'ratio', bs.errorRate, cs.errorRate, errorTest, rules.thresholds.minErrorRateDelta, enough, rules.alpha),
      metric('latencyP95', 'ms', b95, c95, latencyTest, b95 !== null ? rules.thresholds.minLatencyChange * b95 : null, enough, rules.alpha),
    ],
  };
}

/**
 * The groups of sides.ts sidesWithGroups as breakdown-rollup.sql gives them: those with requests,
 * the largest first (then by key, in the engine's byte order), at most `limit`.
 */
function largest(rows: Record<string, unknown>[], limit: number): Record<string, unknown>[] {
  const total = (r: Record<string, unknown>) => num(r.b_requests) + num(r.c_requests);
  return rows
    .filter((r) => total(r) > 0)
    .sort((a, b) => total(b) - total(a) || Buffer.compare(Buffer.from(String(a.group_key)), Buffer.from(String(b.group_key))))
    .slice(0, limit)
    .map((r) => ({ ...r, b_quantiles: r.b_latency_ns, c_quantiles: r.c_latency_ns }));
}
