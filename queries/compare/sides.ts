// Counting each side: the window both sides served (for alignment), each side's totals, and the
// inputs of the significance tests from a deterministic sample of its traces. The window and totals
// come from the rollups for version cohorts and from the settled traces for filters; the tests
// always read a sample of the settled traces.
import type { ClickHouseClient } from '@clickhouse/client';
import { latencyQuantiles, rollupSource, type RollupSource } from '../rollup.js';
import { num, queryRows, renderSql, type QueryParams } from '../run-query.js';
import { QUANTILE_LEVELS, Z_95 } from '../statistics.js';
import type { TimeRange } from '../time-range.js';
import { pick, sideConditions, type CompareOptions } from './plan.js';

/** One side's totals, as the sides query returns them. */
export interface SideData {
  requests: number;
  errors: number;
  latencyNs: number[];
  meanNs: number;
  spans: number;
  inputTokens: number;
  outputTokens: number;
  firstMs: number;
  lastMs: number;
}

export const EMPTY_SIDE: SideData = { requests: 0, errors: 0, latencyNs: [], meanNs: 0, spans: 0, inputTokens: 0, outputTokens: 0, firstMs: 0, lastMs: 0 };

type Row = Record<string, unknown>;

interface Source {
  window(client: ClickHouseClient, options: CompareOptions, range: TimeRange): Promise<Row>;
  sides(client: ClickHouseClient, options: CompareOptions, range: TimeRange): Promise<Row>;
}

/** Each side's sample bound on TraceHash (cityHash64 of the trace id). */
export interface Cuts {
  baseline: string;
  candidate: string;
}

const SIDE_FRAGMENTS = ['scope', 'baseline', 'candidate'];

/** quantile-ci.sql for both sides, and the parameters it takes (the breakdown reads it too). */
export function quantileIntervals(): { fragments: Record<string, string>; params: QueryParams } {
  const ci = (side: 'b' | 'c') => renderSql('compare/quantile-ci', { sorted: `${side}_sorted`, side });
  return {
    fragments: { baseline_quantile_ci: ci('b'), candidate_quantile_ci: ci('c') },
    params: { z: Z_95, quantiles: [...QUANTILE_LEVELS] },
  };
}

/** compare's cost sums over the settled traces (cost-sums.sql), for both sides: columns of a select list. */
export function costSums(): string {
  return (['b', 'c'] as const).map((side) => renderSql('compare/cost-sums', { side })).join(',\n');
}

/** Any cohorts, from the settled traces: cohort conditions compiled to SQL over their rows. */
const settledTraces: Source = {
  async window(client, options, range) {
    const s = sideConditions(options, range, true);
    const [w] = await queryRows(client, renderSql('compare/window', pick(s.fragments, ...SIDE_FRAGMENTS)), s.params);
    return w;
  },
  async sides(client, options, range) {
    const s = sideConditions(options, range);
    // The cost sums come with the totals (one pass, not two: quality-metrics.ts takes them from here).
    const [row] = await queryRows(client, renderSql('compare/sides', { ...pick(s.fragments, ...SIDE_FRAGMENTS), cost_sums: costSums() }), s.params);
    return row;
  },
};

const versionParams = (options: CompareOptions): QueryParams => ({ b_version: options.baseline.version ?? '', c_version: options.candidate.version ?? '' });
const scopeOf = (options: CompareOptions, range: TimeRange) => ({ service: options.service, environment: options.environment, range });

/**
 * The rollup to read and its scope. Alignment works on minutes, so it reads the minute rollup and
 * keeps only the minutes both versions served (aligned-minutes-rollup.sql, or the ones compare found:
 * `options.alignedMinutes`), unless `unaligned`.
 */
export function rollupScope(options: CompareOptions, range: TimeRange, unaligned = false): RollupSource {
  if (!options.align) return rollupSource(scopeOf(options, range));
  const source = rollupSource(scopeOf(options, range), 60);
  if (!unaligned && options.alignedMinutes) {
    source.fragments.scope = `${source.fragments.scope} AND ${renderSql('compare/aligned-minutes-param', { minute: 'Minute' })}`;
    source.params.aligned_minutes = options.alignedMinutes;
  } else if (!unaligned) source.fragments.scope = `${source.fragments.scope} AND Minute IN (\n${renderSql('compare/aligned-minutes-rollup', { scope: source.fragments.scope })}\n)`;
  return source;
}

/** Version against version: the rollups' sums, without reading a trace. */
const rollups: Source = {
  async window(client, options, range) {
    const source = rollupScope(options, range, true);
    const [w] = await queryRows(client, renderSql('compare/window-rollup', source.fragments), { ...source.params, ...versionParams(options) });
    return w;
  },
  async sides(client, options, range) {
    const source = rollupScope(options, range);
    const fragments = {
      ...source.fragments,
      baseline_latency_quantiles: latencyQuantiles('sumMapIf(Latency, AppVersion = {b_version:String})'),
      candidate_latency_quantiles: latencyQuantiles('sumMapIf(Latency, AppVersion = {c_version:String})'),
    };
    const [row] = await queryRows(client, renderSql('compare/sides-rollup', { ...fragments, ...WHOLE_ONLY }), { ...source.params, ...versionParams(options) });
    return row;
  },
};

const WHOLE_ONLY = { whole: '1', group_key: "''", grouping: '' };

/**
 * Version cohorts broken down by a rollup key (RequestName, Model), not aligned: the sides' totals
 * and each group's (the same columns) in one read of the rollup, not two. The whole's row is
 * undefined when the rollup has no row for either version.
 */
export async function sidesWithGroups(client: ClickHouseClient, options: CompareOptions, range: TimeRange, column: 'RequestName' | 'Model'): Promise<{ whole: Row | undefined; groups: Row[] }> {
  const source = rollupScope(options, range);
  const fragments = {
    ...source.fragments,
    baseline_latency_quantiles: latencyQuantiles('sumMapIf(Latency, AppVersion = {b_version:String})'),
    candidate_latency_quantiles: latencyQuantiles('sumMapIf(Latency, AppVersion = {c_version:String})'),
    whole: 'grouping(group_key) = 1',
    group_key: column,
    grouping: 'GROUP BY GROUPING SETS ((group_key), ())',
  };
  const rows = await queryRows(client, renderSql('compare/sides-rollup', fragments), { ...source.params, ...versionParams(options) });
  return { whole: rows.find((r) => num(r.whole) === 1), groups: rows.filter((r) => num(r.whole) !== 1) };
}

export function sourceFor(raw: boolean): Source {
  return raw ? settledTraces : rollups;
}

/** `b` or `c` columns of the sides query as one side's totals. */
export function sideData(row: Row, p: 'b' | 'c'): SideData {
  return {
    requests: num(row[`${p}_requests`]),
    errors: num(row[`${p}_errors`]),
    latencyNs: (row[`${p}_latency_ns`] as unknown[]).map(num),
    meanNs: num(row[`${p}_mean_ns`]),
    spans: num(row[`${p}_spans`]),
    inputTokens: num(row[`${p}_input_tokens`]),
    outputTokens: num(row[`${p}_output_tokens`]),
    firstMs: num(row[`${p}_first_ms`]),
    lastMs: num(row[`${p}_last_ms`]),
  };
}

/** The cut that keeps every trace. */
export const ALL_TRACES = '18446744073709551615';

/** cityHash64(TraceId) <= cut keeps about `rate` of all traces. */
export function cutFor(rate: number): string {
  if (rate >= 1) return ALL_TRACES;
  return ((BigInt(Math.floor(rate * 1e12)) * 18446744073709551615n) / 1_000_000_000_000n).toString();
}

/**
 * Which traces a sample scan keeps, for its WHERE: each side's cohort (`cohort`: its alias),
 * bounded by its cut (`sampled`: the alias with the bound) unless the cut keeps every trace. The
 * engine folds an always-true bound away in a way that also loses the other side's bound from the
 * sort-key analysis, and the scan then reads every trace of both sides.
 */
export function sampleScope(sides: Array<{ cohort: string; sampled: string; cut: string }>): string {
  return sides.map((s) => (s.cut === ALL_TRACES ? s.cohort : s.sampled)).join(' OR ');
}
