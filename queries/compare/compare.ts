// compare: is the candidate better or worse than the baseline? Each side is a version, a filter,
// or both, within one scope (service, environment, time range). The SQL counts and samples; this
// module runs the plan (plan.ts), the counts (sides.ts), the metrics and verdicts (metrics.ts) and
// the breakdown (breakdown.ts), and says what it compared and what is missing.
import type { ClickHouseClient } from '@clickhouse/client';
import { cohortLabel, type CohortSpec } from '../cohort.js';
import { defineQuestion, given, scopeOf } from '../question.js';
import { minuteRange } from '../rollup.js';
import { isoFromMs, num, round } from '../run-query.js';
import { UNBOUNDED_TO_MS, type TimeRange } from '../time-range.js';
import { breakdown, groupingOf } from './breakdown.js';
import { compareMetrics, latencyDistribution } from './metrics.js';
import { mixAdjustment, parseStratify, regressionOf } from './mix-adjustment.js';
import { parseDirections, qualityAndCost, qualityAndCostWithGroups, rollupGroupsWithWhole, type QualityAndCost } from './quality-metrics.js';
import { DEFAULT_QUALITY_RULES } from './quality-schema.js';
import { plan as makePlan, sideConditions, type CompareOptions } from './plan.js';
import { CompareParams, CompareResultSchema, type CompareResult, type SideSummary } from './schema.js';
import { readSample } from './sample.js';
import { cutFor, EMPTY_SIDE, sideData, sidesWithGroups, sourceFor, type SideData } from './sides.js';
import { sufficiency } from './sufficiency.js';

export type { CompareOptions } from './plan.js';

const ms = (ns: number) => round(ns / 1e6, 3);

function summary(spec: CohortSpec, d: SideData): SideSummary {
  const has = d.requests > 0;
  return {
    label: cohortLabel(spec),
    version: spec.version ?? null,
    filter: spec.filter ?? null,
    requests: d.requests,
    errors: d.errors,
    errorRate: has ? d.errors / d.requests : null,
    latencyMs: has
      ? { p50: ms(d.latencyNs[0]), p90: ms(d.latencyNs[1]), p95: ms(d.latencyNs[2]), p99: ms(d.latencyNs[3]), mean: ms(d.meanNs) }
      : null,
    inputTokensPerRequest: has ? d.inputTokens / d.requests : null,
    outputTokensPerRequest: has ? d.outputTokens / d.requests : null,
    spansPerRequest: has ? d.spans / d.requests : null,
    firstSeen: has ? isoFromMs(d.firstMs) : null,
    lastSeen: has ? isoFromMs(d.lastMs) : null,
  };
}

export async function compare(client: ClickHouseClient, asked: CompareOptions): Promise<CompareResult> {
  let options = asked;
  let plan = makePlan(options);
  const source = sourceFor(plan.raw);
  const warnings: string[] = [];
  // Whole minutes, the rollups' resolution, on both sources, so that they give the same answers.
  let range: TimeRange = minuteRange(options.range);
  let overlapMissing = false;
  let sharedMinutes: number | null = null;

  if (options.align) {
    // Only the minutes both sides served are read (plan.ts, sides.ts); the range is narrowed to
    // the first and last of them, which the answer's window reports.
    const w = await source.window(client, options, range);
    sharedMinutes = num(w?.shared_minutes);
    if (num(w?.baseline_requests) === 0 || num(w?.candidate_requests) === 0) {
      overlapMissing = true;
      warnings.push('time alignment: one side has no requests in the range, so there is no common window');
    } else if (num(w.shared_minutes) === 0) {
      overlapMissing = true;
      warnings.push('time alignment: the two sides were never live in the same minute, so there is nothing to compare');
    } else {
      range = { fromMs: Math.max(range.fromMs, num(w.first_ms)), toMs: Math.min(range.toMs, num(w.last_ms) + 60_000) };
      // Every later read keeps these minutes, given as a parameter rather than derived again.
      options = { ...options, alignedMinutes: (w.minutes as unknown[]).map(num) };
      plan = { ...plan, options };
    }
  }

  // The breakdown runs alongside the sides (awaited at the end; the empty catches only keep a
  // failure from being reported as unhandled before then). Broken down by a rollup key, the
  // groups' cost and feedback are read with the whole's, and their rollup sums with the sides'.
  // (The embedded engine runs parameterized statements one at a time, so what counts there is
  // how many statements and how much work each, not their overlap.)
  const grouping = options.by ? groupingOf(options.by, sideConditions(options, range)) : undefined;
  const withGroups = grouping && rollupGroupsWithWhole(plan, grouping) ? qualityAndCostWithGroups(client, options, range, plan, grouping) : undefined;
  withGroups?.catch(() => {});
  // Broken down by a rollup key (not aligned: the breakdown's rollup read keeps the whole range),
  // the groups' rollup sums are read with the sides'.
  const groupColumn = !plan.raw && !options.align && (options.by === 'name' || options.by === 'model') ? (options.by === 'name' ? 'RequestName' : 'Model') : undefined;
  const sidesRead = overlapMissing ? undefined : groupColumn ? sidesWithGroups(client, options, range, groupColumn) : source.sides(client, options, range).then((whole) => ({ whole, groups: undefined }));
  sidesRead?.catch(() => {});
  const groupTotals = groupColumn && sidesRead ? sidesRead.then((s) => s.groups ?? []) : undefined;
  const breakdownResult = options.by ? breakdown(client, { ...plan, options }, sideConditions(options, range), range, withGroups?.then((w) => w.ofGroup), groupTotals) : undefined;
  breakdownResult?.catch(() => {});

  let b = EMPTY_SIDE;
  let c = EMPTY_SIDE;
  const sidesRow = (await sidesRead)?.whole;
  if (sidesRow) {
    b = sideData(sidesRow, 'b');
    c = sideData(sidesRow, 'c');
  }
  const baseline = summary(options.baseline, b);
  const candidate = summary(options.candidate, c);
  for (const [name, d] of [['baseline', b], ['candidate', c]] as const) {
    if (d.requests < plan.minRequests) {
      warnings.push(`${name} has ${d.requests} request${d.requests === 1 ? '' : 's'}: at least ${plan.minRequests} per side are needed to conclude (minRequests)`);
    }
  }

  // Feedback and cost read their own rollups (or the settled traces): alongside the tests.
  // Read from the settled traces, the sides' totals came with the cost sums (sides.sql).
  const costRow = plan.raw && sidesRow ? Promise.resolve(sidesRow) : undefined;
  const extraResult = withGroups ? withGroups.then((w) => w.whole) : qualityAndCost(client, options, range, plan, options.quality, costRow);
  extraResult.catch(() => {});
  const baselineRate = b.requests > 0 ? Math.min(1, plan.sampleCap / b.requests) : 1;
  const candidateRate = c.requests > 0 ? Math.min(1, plan.sampleCap / c.requests) : 1;
  const cuts = { baseline: cutFor(baselineRate), candidate: cutFor(candidateRate) };
  // Beside the raw deltas, the mix-adjusted ones (mix-adjustment.ts), over the same trace sample.
  const { tests, strata } = b.requests > 0 && c.requests > 0 ? await readSample(client, plan, sideConditions(options, range), cuts) : { tests: undefined, strata: undefined };
  const metrics = compareMetrics(baseline, candidate, tests, plan);
  const extra: QualityAndCost = await extraResult;
  warnings.push(...extra.warnings);
  const rawCost = { baseline: extra.cost.baseline.perRequestUsd, candidate: extra.cost.candidate.perRequestUsd, minChange: options.quality?.minCostChange ?? DEFAULT_QUALITY_RULES.minCostChange };
  const mix = strata ? mixAdjustment(plan, strata, { baseline, candidate }, metrics, rawCost) : undefined;
  if (mix) warnings.push(...mix.warnings);
  // On the adjusted basis the mix-adjusted cost decides (it is one of mix.metrics), not the raw one.
  const adjustedBasis = mix?.adjustment.verdictBasis === 'adjusted';

  const result: CompareResult = {
    service: options.service ?? null,
    environment: options.environment ?? null,
    window: {
      from: range.fromMs > 0 ? new Date(range.fromMs).toISOString() : null,
      to: range.toMs < UNBOUNDED_TO_MS ? new Date(range.toMs).toISOString() : null,
      aligned: Boolean(options.align) && !overlapMissing,
      sharedMinutes,
    },
    baseline,
    candidate,
    metrics,
    mixAdjustment: mix?.adjustment ?? null,
    latencyDistribution: latencyDistribution(tests),
    quality: extra.quality,
    cost: extra.cost,
    warnings,
    regression: regressionOf(metrics, mix?.adjustment) || extra.quality.some((m) => m.verdict === 'worse') || (!adjustedBasis && extra.cost.verdict === 'worse'),
    sufficiency: await sufficiency(client, options, { baseline, candidate }, plan.minRequests, overlapMissing),
    sampling: {
      baselineRate,
      candidateRate,
      baselineSampledRequests: num(tests?.b_sampled_requests),
      candidateSampledRequests: num(tests?.c_sampled_requests),
    },
  };
  if (breakdownResult) result.breakdown = await breakdownResult;
  return result;
}

export const compareQuestion = defineQuestion({
  name: 'compare',
  path: '/api/compare',
  summary: 'Is the candidate better or worse than the baseline?',
  description:
    'Each side is a version, a filter, or both. Per side: requests, errors, error rate, latency p50/p90/p95/p99, tokens and spans per request. Per metric: delta, 95 % interval, p-value and a verdict (better, worse, no_significant_difference, insufficient_data).',
  params: CompareParams,
  response: CompareResultSchema,
  run: (client, p) =>
    compare(client, {
      ...scopeOf(p),
      baseline: { version: given(p.baseline), filter: given(p.baselineFilter) },
      candidate: { version: given(p.candidate), filter: given(p.candidateFilter) },
      by: given(p.by),
      byLimit: p.byLimit,
      align: p.align === true,
      stratify: parseStratify(p.stratify),
      verdictBasis: p.verdictBasis === 'adjusted' ? 'adjusted' : 'raw',
      alpha: p.alpha,
      minRequests: p.minRequests,
      thresholds: {
        minErrorRateDelta: p.minErrorRateDelta,
        minLatencyChange: p.minLatencyChange,
        minTokenChange: p.minTokenChange,
        minSpanChange: p.minSpanChange,
      },
      quality: { directions: parseDirections(p.qualityDirection), minQualityRateDelta: p.minQualityRateDelta, minQualityChange: p.minQualityChange, minCostChange: p.minCostChange },
    }),
});
