// compare --by: the same comparison within each group (root operation, model, or any attribute),
// in one pass over the settled traces: counts, quantiles with their own intervals and verdicts, and
// each group's Mann–Whitney p-value of the whole distribution.
import type { ClickHouseClient } from '@clickhouse/client';
import { num, queryRows, renderSql, round, type QueryParams } from '../run-query.js';
import { quantileDifferenceTest, twoProportionTest, type TestResult } from '../statistics.js';
import { latencyDistribution, metric } from './metrics.js';
import { pick, type Plan, type SideConditions } from './plan.js';
import type { BreakdownGroup } from './schema.js';
import { quantileIntervals } from './sides.js';

const ms = (ns: number) => round(ns / 1e6, 3);

export async function breakdown(client: ClickHouseClient, plan: Plan, conditions: SideConditions): Promise<{ by: string; groups: BreakdownGroup[] }> {
  const by = plan.options.by!;
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
  // Each group's p50/p95 intervals: quantile-ci.sql at those two levels.
  const ci = quantileIntervals();
  Object.assign(fragments, ci.fragments);
  Object.assign(params, ci.params, { quantiles: [0.5, 0.95] });
  const rows = await queryRows(client, renderSql('compare/breakdown', fragments), params);
  return { by, groups: rows.map((r) => group(r, plan)) };
}

function group(r: Record<string, unknown>, rules: Plan): BreakdownGroup {
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
