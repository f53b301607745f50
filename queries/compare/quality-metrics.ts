// compare's quality and cost: each feedback name as a metric (numeric: Welch; boolean: two
// proportions; categorical: chi-square), its coverage per side with a warning when they differ
// (who gives feedback may differ, and selection bias can fake a quality change), and cost per
// request with an interval plus the totals, with the unpriced models named in the warnings.
import type { ClickHouseClient } from '@clickhouse/client';
import { chiSquareHomogeneity, welchTest } from '../quality-statistics.js';
import { num, QueryInputError, queryRows, renderSql, type QueryParams } from '../run-query.js';
import { meanDifferenceTest, twoProportionTest, verdictOf, type TestResult } from '../statistics.js';
import type { TimeRange } from '../time-range.js';
import { pick, sideConditions, type CompareOptions, type Rules } from './plan.js';
import { costSums, rollupScope } from './sides.js';
import { DEFAULT_QUALITY_RULES, type CostComparison, type QualityMetric, type QualityRules } from './quality-schema.js';

export interface QualityAndCost {
  quality: QualityMetric[];
  cost: CostComparison;
  warnings: string[];
}

type Row = Record<string, unknown>;

/** Names that mean "less is better" when no direction is configured. */
const LOWER_IS_BETTER = /(down|bad|negative|toxic|hallucinat|error|fail|harm|complain|wrong|incorrect)/i;

/** `name=higher,other=lower` → a map; a bad entry is an error naming it. */
export function parseDirections(spec: string | undefined): Record<string, 'higher' | 'lower'> {
  const out: Record<string, 'higher' | 'lower'> = {};
  for (const part of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(.+)=(higher|lower)$/.exec(part);
    if (!m) throw new QueryInputError(`qualityDirection: "${part}" is not name=higher or name=lower`);
    out[m[1].trim()] = m[2] as 'higher' | 'lower';
  }
  return out;
}

export function directionOf(name: string, directions: Record<string, 'higher' | 'lower'>): 'higher' | 'lower' {
  return directions[name] ?? (LOWER_IS_BETTER.test(name) ? 'lower' : 'higher');
}

const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);

function labelCounts(v: unknown): Record<string, number> {
  // sumMap returns ([keys], [values]) as a tuple: an array of two arrays over JSON.
  const [keys, values] = (Array.isArray(v) ? v : Object.values(v ?? {})) as [unknown[], unknown[]];
  return Object.fromEntries((keys ?? []).map((k, i) => [String(k), num(values[i])]));
}

function shares(counts: Record<string, number>): Record<string, number> | null {
  const total = Object.values(counts).reduce((s, x) => s + x, 0);
  return total > 0 ? Object.fromEntries(Object.entries(counts).map(([k, x]) => [k, x / total])) : null;
}

function qualityMetric(row: Row, requestTraces: { b: number; c: number }, rules: Rules, q: QualityRules, warnings: string[]): QualityMetric {
  const name = String(row.name);
  const types = (row.value_types as string[]) ?? [];
  const type = types.includes('number') ? 'numeric' : types.includes('boolean') ? 'boolean' : 'categorical';
  const direction = directionOf(name, q.directions);
  const side = (p: 'b' | 'c') => ({ n: num(row[`${p}_n`]), sum: num(row[`${p}_sum`]), sumSq: num(row[`${p}_sum_sq`]), traces: num(row[`${p}_traces`]), labels: labelCounts(row[`${p}_labels`]) });
  const b = side('b');
  const c = side('c');
  const coverage = { b: share(b.traces, requestTraces.b), c: share(c.traces, requestTraces.c) };
  if (coverage.b !== null && coverage.c !== null) {
    const test = twoProportionTest(b.traces, requestTraces.b, c.traces, requestTraces.c);
    if (test.pValue !== null && test.pValue < rules.alpha && Math.abs(coverage.c - coverage.b) >= 0.02) {
      warnings.push(`feedback "${name}" covers ${pct(coverage.b)} of the baseline's requests but ${pct(coverage.c)} of the candidate's: who gives feedback differs between the sides, and selection bias can fake a quality change`);
    }
  }
  let result: TestResult | null = null;
  let value = { b: null as number | null, c: null as number | null };
  let minChange: number | null = null;
  let enough = b.n >= 2 && c.n >= 2;
  if (type === 'numeric') {
    value = { b: b.n > 0 ? b.sum / b.n : null, c: c.n > 0 ? c.sum / c.n : null };
    result = b.n > 0 && c.n > 0 ? welchTest(b, c) : null;
    minChange = value.b !== null ? q.minQualityChange * Math.abs(value.b) : null;
  } else if (type === 'boolean') {
    value = { b: b.n > 0 ? b.sum / b.n : null, c: c.n > 0 ? c.sum / c.n : null };
    result = b.n > 0 && c.n > 0 ? twoProportionTest(b.sum, b.n, c.sum, c.n) : null;
    minChange = q.minQualityRateDelta;
  } else {
    const bn = Object.values(b.labels).reduce((s, x) => s + x, 0);
    const cn = Object.values(c.labels).reduce((s, x) => s + x, 0);
    enough = bn >= 2 && cn >= 2;
    const chi = chiSquareHomogeneity(b.labels, c.labels);
    result = { delta: NaN, pValue: chi.pValue, ciLow: null, ciHigh: null, test: `chi-square (df ${chi.df})` };
    b.n = bn;
    c.n = cn;
  }
  let verdict: QualityMetric['verdict'];
  if (type === 'categorical') {
    verdict = !enough || result === null || result.pValue === null ? 'insufficient_data' : result.pValue < rules.alpha ? 'different' : 'no_significant_difference';
  } else {
    const delta = value.b !== null && value.c !== null ? value.c - value.b : null;
    verdict = delta === null || result === null || minChange === null
      ? 'insufficient_data'
      : verdictOf({ delta, pValue: result.pValue, minChange, alpha: rules.alpha, enoughData: enough, lowerIsBetter: direction === 'lower', ciLow: result.ciLow, ciHigh: result.ciHigh });
  }
  const delta = value.b !== null && value.c !== null ? value.c - value.b : null;
  return {
    name,
    type,
    direction,
    baseline: { coverage: coverage.b, count: b.n, value: value.b, shares: type === 'categorical' ? shares(b.labels) : null },
    candidate: { coverage: coverage.c, count: c.n, value: value.c, shares: type === 'categorical' ? shares(c.labels) : null },
    delta,
    ciLow: result?.ciLow ?? null,
    ciHigh: result?.ciHigh ?? null,
    pValue: result?.pValue ?? null,
    test: result?.test ?? 'none',
    minChange,
    verdict,
  };
}

function costComparison(row: Row, rules: Rules, q: QualityRules, warnings: string[]): CostComparison {
  const side = (p: 'b' | 'c') => {
    const requests = num(row[`${p}_r`]);
    return {
      totalUsd: num(row[`${p}_x`]),
      perRequestUsd: requests > 0 ? num(row[`${p}_x`]) / requests : null,
      llmCalls: num(row[`${p}_calls`]),
      unpricedCalls: num(row[`${p}_unpriced`]),
      unpricedModels: (row[`${p}_unpriced_models`] as string[]) ?? [],
      priceSources: (row[`${p}_price_sources`] as string[]) ?? [],
      sums: { n: num(row[`${p}_rows`]), sumX: num(row[`${p}_x`]), sumR: requests, sumXX: num(row[`${p}_xx`]), sumRR: num(row[`${p}_rr`]), sumXR: num(row[`${p}_xr`]) },
    };
  };
  const b = side('b');
  const c = side('c');
  for (const [label, s] of [['baseline', b], ['candidate', c]] as const) {
    if (s.unpricedCalls > 0) {
      warnings.push(`${label}: ${s.unpricedCalls} of ${s.llmCalls} LLM calls have no price (${s.unpricedModels.join(', ')}), so its cost leaves them out; price them with --prices`);
    }
  }
  const priced = b.llmCalls > 0 || c.llmCalls > 0;
  const result = priced && b.perRequestUsd !== null && c.perRequestUsd !== null ? meanDifferenceTest(b.perRequestUsd, c.perRequestUsd, b.sums, c.sums) : null;
  const delta = result?.delta ?? null;
  const minChange = b.perRequestUsd !== null ? q.minCostChange * b.perRequestUsd : null;
  const enough = b.sums.sumR >= rules.minRequests && c.sums.sumR >= rules.minRequests;
  const verdict = delta === null || result === null || minChange === null
    ? 'insufficient_data'
    : verdictOf({ delta, pValue: result.pValue, minChange, alpha: rules.alpha, enoughData: enough, ciLow: result.ciLow, ciHigh: result.ciHigh });
  const strip = ({ sums: _sums, ...rest }: typeof b) => rest;
  return {
    baseline: strip(b),
    candidate: strip(c),
    delta,
    relativeDelta: delta !== null && b.perRequestUsd ? delta / b.perRequestUsd : null,
    ciLow: result?.ciLow ?? null,
    ciHigh: result?.ciHigh ?? null,
    pValue: result?.pValue ?? null,
    test: result?.test ?? 'none',
    minChange,
    verdict,
  };
}

/**
 * How the sums are grouped: `''` for the whole comparison; for compare --by, a settled trace's
 * column (RequestName, Model: on the rollups too) or an attribute's value brought by `join`.
 */
export interface Grouping {
  key: string;
  join: string;
  params: QueryParams;
}

const WHOLE: Grouping = { key: "''", join: '', params: {} };

/**
 * The per-name feedback sums and the cost sums of both sides, per group: for version cohorts from
 * the feedback and cost rollups (schema/migrations/065), which answer the same as the settled
 * traces; for filters (and attribute groups), which need the traces' attributes, from the settled
 * traces and their assessments.
 */
async function sums(client: ClickHouseClient, options: CompareOptions, range: TimeRange, raw: boolean, grouping: Grouping, alsoWhole = false, costRow?: Promise<Row | undefined>): Promise<[Row[], Row[]]> {
  if (!raw && grouping.join === '') {
    const source = rollupScope(options, range);
    const suffix = source.table.slice('verdict_rollup_'.length);
    const shape = alsoWhole
      ? { whole: 'grouping(group_key) = 1', costGrouping: 'GROUPING SETS ((group_key), ())', qualityGrouping: 'GROUPING SETS ((group_key, Name), (Name))' }
      : { whole: grouping === WHOLE ? '1' : '0', costGrouping: 'group_key', qualityGrouping: 'group_key, Name' };
    const fragments = { scope: source.fragments.scope, group_key: grouping.key, whole: shape.whole, cost_rollup: `verdict_cost_${suffix}`, feedback_rollup: `verdict_feedback_${suffix}` };
    const params = { ...source.params, b_version: options.baseline.version ?? '', c_version: options.candidate.version ?? '' };
    return Promise.all([
      queryRows(client, renderSql('compare/cost-rollup', { ...fragments, grouping: shape.costGrouping }), params),
      queryRows(client, renderSql('compare/quality-rollup', { ...fragments, grouping: shape.qualityGrouping }), params),
    ]);
  }
  const s = sideConditions(options, range);
  const fragments = { ...pick(s.fragments, 'scope', 'baseline', 'candidate'), group_key: grouping.key, group_join: grouping.join, cost_sums: costSums() };
  const params = { ...s.params, ...grouping.params };
  // The whole comparison's cost sums may have been read already, with the sides' totals (sides.sql).
  const cost = costRow && grouping === WHOLE ? costRow.then((row) => (row ? [row] : [])) : queryRows(client, renderSql('compare/cost', fragments), params);
  return Promise.all([cost, queryRows(client, renderSql('compare/quality', fragments), params)]);
}

function qualityRules(quality: Partial<QualityRules>): QualityRules {
  return { ...DEFAULT_QUALITY_RULES, directions: {}, ...Object.fromEntries(Object.entries(quality).filter(([, v]) => v !== undefined)) };
}

function assemble(costRow: Row, qualityRows: Row[], rules: Rules, q: QualityRules): QualityAndCost {
  const warnings: string[] = [];
  const requestTraces = { b: num(costRow.b_request_traces), c: num(costRow.c_request_traces) };
  return {
    quality: qualityRows.map((row) => qualityMetric(row, requestTraces, rules, q, warnings)),
    cost: costComparison(costRow, rules, q, warnings),
    warnings,
  };
}

/**
 * Both sides' feedback metrics and cost, over the settled traces of the compared range. `costRow`:
 * the cost sums (cost-sums.sql columns) when already read over the same traces, with the sides'
 * totals (sides.sql, settled traces only).
 */
export async function qualityAndCost(
  client: ClickHouseClient,
  options: CompareOptions,
  range: TimeRange,
  rules: Rules & { raw?: boolean },
  quality: Partial<QualityRules> = {},
  costRow?: Promise<Row | undefined>,
): Promise<QualityAndCost> {
  const [costRows, qualityRows] = await sums(client, options, range, rules.raw ?? true, WHOLE, false, costRow);
  return assemble(costRows[0] ?? {}, qualityRows, rules, qualityRules(quality));
}

/** The same per group of compare --by (each group's warnings are left to the whole comparison's). */
export async function qualityAndCostByGroup(client: ClickHouseClient, options: CompareOptions, range: TimeRange, rules: Rules & { raw?: boolean }, grouping: Grouping): Promise<(key: string) => QualityAndCost> {
  const [costRows, qualityRows] = await sums(client, options, range, rules.raw ?? true, grouping);
  return byGroup(costRows, qualityRows, rules, qualityRules(options.quality ?? {}));
}

function byGroup(costRows: Row[], qualityRows: Row[], rules: Rules, q: QualityRules): (key: string) => QualityAndCost {
  return (key) => assemble(costRows.find((r) => String(r.group_key) === key) ?? {}, qualityRows.filter((r) => String(r.group_key) === key), rules, q);
}

/**
 * Both at once, when the groups are rollup keys (RequestName, Model on version cohorts): the whole
 * comparison's sums and each group's in one read per rollup (grouping sets), not two.
 */
export function rollupGroupsWithWhole(plan: { raw: boolean }, grouping: Grouping): boolean {
  return !plan.raw && grouping.join === '';
}

export async function qualityAndCostWithGroups(
  client: ClickHouseClient,
  options: CompareOptions,
  range: TimeRange,
  rules: Rules & { raw?: boolean },
  grouping: Grouping,
): Promise<{ whole: QualityAndCost; ofGroup: (key: string) => QualityAndCost }> {
  const [costRows, qualityRows] = await sums(client, options, range, rules.raw ?? true, grouping, true);
  const whole = (r: Row) => num(r.whole) === 1;
  const q = qualityRules(options.quality ?? {});
  return {
    whole: assemble(costRows.find(whole) ?? {}, qualityRows.filter(whole), rules, q),
    ofGroup: byGroup(costRows.filter((r) => !whole(r)), qualityRows.filter((r) => !whole(r)), rules, q),
  };
}
