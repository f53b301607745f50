// compare's trace sample, read once (sample.sql): the significance tests' inputs and, when
// stratifying, the mix adjustment's sums per stratum, from the same deterministic sample of each
// side's settled traces. One pass where the tests and the strata each read the sample again.
import type { ClickHouseClient } from '@clickhouse/client';
import { num, queryRows, renderSql } from '../run-query.js';
import { DEFAULT_STRATIFY, SUMS, stratumSql, type Stratum, type SumName } from './mix-adjustment.js';
import { pick, type Plan, type SideConditions } from './plan.js';
import { quantileIntervals, sampleScope, type Cuts } from './sides.js';

export interface Sample {
  /** The tests' inputs. */
  tests: Record<string, unknown> | undefined;
  /** Each stratum's sums, or undefined when not stratifying. */
  strata: Stratum[] | undefined;
}

/** Each sum's per-trace term over the scan's columns (sample.sql: `lat` in ms, `usd` in USD); `traces` counts. */
const TERMS: Record<SumName, string> = {
  traces: '',
  r: 'Requests',
  rr: 'Requests * Requests',
  errors: 'Errors',
  lat: 'lat',
  latlat: 'lat * lat',
  latr: 'lat * Requests',
  ti: 'InputTokens',
  titi: 'InputTokens * InputTokens',
  tir: 'InputTokens * Requests',
  to: 'OutputTokens',
  toto: 'OutputTokens * OutputTokens',
  tor: 'OutputTokens * Requests',
  sp: 'Spans',
  spsp: 'Spans * Spans',
  spr: 'Spans * Requests',
  usd: 'usd',
  usdusd: 'usd * usd',
  usdr: 'usd * Requests',
};

const SIDES = ['b', 'c'] as const;

/** sample.sql's per-side sums (one conditional sum per quantity and side) and the columns `parts` carries, in SUMS order. */
const SUM_FRAGMENTS = {
  side_sums: SIDES.flatMap((side) => SUMS.map((k) => (k === 'traces' ? `countIf(${side})` : `sumIf(${TERMS[k]}, ${side})`) + ` AS ${side}_${k}`)).join(',\n        '),
  part_sums: SIDES.flatMap((side) => SUMS.map((k) => `${side}_${k}`)).join(', '),
};

export async function readSample(client: ClickHouseClient, plan: Plan, conditions: SideConditions, cuts: Cuts): Promise<Sample> {
  const keys = plan.options.stratify ?? DEFAULT_STRATIFY;
  const strata = stratumSql(keys, conditions);
  const ci = quantileIntervals();
  const [row] = await queryRows(
    client,
    renderSql('compare/sample', {
      ...pick(conditions.fragments, 'scope', 'baseline', 'candidate'),
      ...ci.fragments,
      ...SUM_FRAGMENTS,
      stratum: strata.stratum,
      group_join: strata.join,
      live: renderSql('compare/live-traces'),
      sampled: sampleScope([
        { cohort: 'in_baseline', sampled: 'b', cut: cuts.baseline },
        { cohort: 'in_candidate', sampled: 'c', cut: cuts.candidate },
      ]),
    }),
    { ...conditions.params, ...strata.params, ...ci.params, baseline_cut: cuts.baseline, candidate_cut: cuts.candidate },
  );
  if (!row) return { tests: undefined, strata: keys.length > 0 ? [] : undefined };
  const parts = ((row.parts as unknown[] | undefined) ?? []).map(partOf);
  // The whole sample's sums: every group's, with requests or not.
  const totals = (side: (typeof SIDES)[number]) => Object.fromEntries(SUMS.map((k) => [`${side}_${k}`, parts.reduce((sum, p) => sum + p[side][k], 0)]));
  const tests = { ...row, ...totals('b'), ...totals('c') };
  // A stratum counts only traces with requests; one without any is no stratum.
  const found = parts
    .filter((p) => p.withRequests && p.b.traces + p.c.traces > 0)
    .map(({ key, b, c }) => ({ key, b, c }))
    .sort((x, y) => compareKeys(x.key, y.key));
  return { tests, strata: keys.length > 0 ? found : undefined };
}

/** One group of the scan (sample.sql `parts`): its stratum, whether it has requests, each side's sums. */
function partOf(entry: unknown): Stratum & { withRequests: boolean } {
  const values = Array.isArray(entry) ? entry : Object.values(entry as Record<string, unknown>);
  const side = (offset: number) => Object.fromEntries(SUMS.map((k, i) => [k, num(values[offset + i])]));
  return { key: (values[0] as unknown[]).map(String), withRequests: num(values[1]) === 1, b: side(2), c: side(2 + SUMS.length) };
}

/** The engine's order of stratum keys: element by element, each compared as UTF-8 bytes. */
function compareKeys(x: string[], y: string[]): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const order = Buffer.compare(Buffer.from(x[i], 'utf8'), Buffer.from(y[i], 'utf8'));
    if (order !== 0) return order;
  }
  return x.length - y.length;
}
