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

/** The sums kept exact in integers (UInt64), and those over Float64 terms (latency in ms, cost in USD). */
const FLOAT_SUMS = new Set<SumName>(['lat', 'latlat', 'latr', 'usd', 'usdusd', 'usdr']);
const INT_SUMS = SUMS.filter((k) => k !== 'traces' && !FLOAT_SUMS.has(k));
const FLOAT_TERMS = SUMS.filter((k) => FLOAT_SUMS.has(k));

/**
 * sample.sql's per-side sums: the traces counted, then one sumForEachIf over an array of the
 * integer terms and one over the Float64 terms, rather than a sumIf per quantity (the engine's
 * analysis costs about as much per aggregate as summing the sample does). Each element is summed
 * row by row as its own sumIf would be, so the sums are the same; partOf reads them back by name.
 */
const SUM_FRAGMENTS = {
  sum_terms: `[${INT_SUMS.map((k) => TERMS[k]).join(', ')}] AS int_terms,\n        [${FLOAT_TERMS.map((k) => TERMS[k]).join(', ')}] AS float_terms`,
  side_sums: SIDES.map((side) => `countIf(${side}) AS ${side}_traces,\n        sumForEachIf(int_terms, ${side}) AS ${side}_ints,\n        sumForEachIf(float_terms, ${side}) AS ${side}_floats`).join(',\n        '),
  part_sums: SIDES.map((side) => `${side}_traces, ${side}_ints, ${side}_floats`).join(', '),
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
  // Per side: traces, the integer sums (INT_SUMS order), the Float64 sums (FLOAT_TERMS order). A side
  // with no trace in this group has empty arrays (sumForEach over no rows), read as 0 as sumIf gave.
  const side = (offset: number) => {
    const ints = values[offset + 1] as unknown[];
    const floats = values[offset + 2] as unknown[];
    const sums: Record<string, number> = { traces: num(values[offset]) };
    INT_SUMS.forEach((k, i) => (sums[k] = num(ints[i])));
    FLOAT_TERMS.forEach((k, i) => (sums[k] = num(floats[i])));
    return Object.fromEntries(SUMS.map((k) => [k, sums[k]])) as Stratum['b'];
  };
  return { key: (values[0] as unknown[]).map(String), withRequests: num(values[1]) === 1, b: side(2), c: side(5) };
}

/** The engine's order of stratum keys: element by element, each compared as UTF-8 bytes. */
function compareKeys(x: string[], y: string[]): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const order = Buffer.compare(Buffer.from(x[i], 'utf8'), Buffer.from(y[i], 'utf8'));
    if (order !== 0) return order;
  }
  return x.length - y.length;
}
