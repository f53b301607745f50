// compare: is the candidate better or worse than the baseline? Each side is a version, a filter,
// or both, within one scope (service, environment, time range). SQL (queries/compare-*.sql)
// counts and samples; this module adds the tests, intervals, thresholds, warnings and verdicts.
import type { ClickHouseClient } from '@clickhouse/client';
import { cohortLabel, cohortSql, scopeSql, type CohortSpec, type CohortSql, type ScopeSql } from './cohort.js';
import { QueryInputError, isoFromMs, num, queryRows, renderSql, round, type QueryParams } from './run-query.js';
import {
  meanDifferenceTest,
  quantileDifferenceCi,
  twoProportionTest,
  verdictOf,
  type ClusterSums,
  type TestResult,
  type Verdict,
} from './statistics.js';
import { UNBOUNDED_TO_MS, type TimeRange } from './time-range.js';
import { rollupSource, traceScope } from './rollup.js';
import { minuteRange } from './versions.js';

export interface CompareThresholds {
  /** Smallest error-rate change that matters, absolute (0.003 = 0.3 percentage points). */
  minErrorRateDelta: number;
  /** Smallest latency change that matters, relative to the baseline (0.1 = 10 %). */
  minLatencyChange: number;
  /** Smallest tokens-per-request change that matters, relative. */
  minTokenChange: number;
  /** Smallest spans-per-request change that matters, relative. */
  minSpanChange: number;
}

export interface CompareOptions {
  service?: string;
  environment?: string;
  baseline: CohortSpec;
  candidate: CohortSpec;
  range?: TimeRange;
  /** Compare only the minutes in which both sides had requests. */
  align?: boolean;
  /** Break down by `name` (request span name), `model` (gen_ai.request.model) or any attribute key. */
  by?: string;
  /** Largest number of groups in the breakdown. */
  byLimit?: number;
  /** Significance level; 0.05 by default. */
  alpha?: number;
  /** Fewer requests than this on either side: no verdict (`insufficient_data`). */
  minRequests?: number;
  thresholds?: Partial<CompareThresholds>;
  /** Requests per side above which the tests read a deterministic sample of traces. */
  sampleCap?: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  mean: number;
}

export interface SideSummary {
  label: string;
  version: string | null;
  filter: string | null;
  requests: number;
  errors: number;
  errorRate: number | null;
  latencyMs: LatencySummary | null;
  inputTokensPerRequest: number | null;
  outputTokensPerRequest: number | null;
  spansPerRequest: number | null;
  firstSeen: string | null;
  lastSeen: string | null;
}

export type MetricName =
  | 'errorRate'
  | 'latencyP50'
  | 'latencyP90'
  | 'latencyP95'
  | 'latencyP99'
  | 'inputTokensPerRequest'
  | 'outputTokensPerRequest'
  | 'spansPerRequest';

export interface Metric {
  name: MetricName;
  unit: 'ratio' | 'ms' | 'tokens' | 'spans';
  baseline: number | null;
  candidate: number | null;
  delta: number | null;
  /** delta / baseline, when the baseline is not 0. */
  relativeDelta: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  pValue: number | null;
  test: string;
  /** The practical threshold this metric had to cross, in its own unit. */
  minChange: number | null;
  verdict: Verdict;
}

export interface BreakdownGroup {
  key: string;
  baseline: { requests: number; errors: number; errorRate: number | null; latencyMs: { p50: number; p95: number } | null };
  candidate: { requests: number; errors: number; errorRate: number | null; latencyMs: { p50: number; p95: number } | null };
  metrics: Metric[];
}

export interface CompareResult {
  service: string | null;
  environment: string | null;
  window: { from: string | null; to: string | null; aligned: boolean };
  baseline: SideSummary;
  candidate: SideSummary;
  metrics: Metric[];
  warnings: string[];
  /** True when any metric's verdict is `worse`: what `verdict compare --fail-on-regression` exits 1 on. */
  regression: boolean;
  sampling: { baselineRate: number; candidateRate: number; baselineSampledRequests: number; candidateSampledRequests: number };
  breakdown?: { by: string; groups: BreakdownGroup[] };
}

export const DEFAULT_THRESHOLDS: CompareThresholds = {
  minErrorRateDelta: 0.003,
  minLatencyChange: 0.1,
  minTokenChange: 0.1,
  minSpanChange: 0.2,
};
export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_MIN_REQUESTS = 100;
export const DEFAULT_SAMPLE_CAP = 20_000;

const QUANTILES = ['p50', 'p90', 'p95', 'p99'] as const;
const NS_PER_MS = 1e6;

interface SideData {
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

const EMPTY_SIDE: SideData = { requests: 0, errors: 0, latencyNs: [], meanNs: 0, spans: 0, inputTokens: 0, outputTokens: 0, firstMs: 0, lastMs: 0 };

interface Prepared {
  scope: ScopeSql;
  baseline: CohortSql;
  candidate: CohortSql;
  fragments: Record<string, string>;
  params: QueryParams;
}

function prepare(options: CompareOptions, range: TimeRange): Prepared {
  const scope = scopeSql({ service: options.service, environment: options.environment, range });
  const baseline = cohortSql(options.baseline, scope, 'b_');
  const candidate = cohortSql(options.candidate, scope, 'c_');
  return {
    scope,
    baseline,
    candidate,
    fragments: {
      scope: scope.sql,
      baseline_request: baseline.request,
      candidate_request: candidate.request,
      baseline_span: baseline.span,
      candidate_span: candidate.span,
    },
    params: { ...scope.params, ...baseline.params, ...candidate.params },
  };
}

function pick(fragments: Record<string, string>, ...keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, fragments[k]]));
}

function validate(options: CompareOptions): void {
  for (const side of ['baseline', 'candidate'] as const) {
    const c = options[side];
    if ((c.version === undefined || c.version === '') && !c.filter) {
      throw new QueryInputError(`${side} needs a version or a filter`);
    }
  }
  if (options.alpha !== undefined && !(options.alpha > 0 && options.alpha < 1)) throw new QueryInputError('alpha must be between 0 and 1');
}

/** cityHash64(TraceId) <= cut keeps about `rate` of all traces. */
function cutFor(rate: number): string {
  if (rate >= 1) return '18446744073709551615';
  return ((BigInt(Math.floor(rate * 1e12)) * 18446744073709551615n) / 1_000_000_000_000n).toString();
}

function ms(ns: number): number {
  return round(ns / NS_PER_MS, 3);
}

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

function metric(
  name: MetricName,
  unit: Metric['unit'],
  baseline: number | null,
  candidate: number | null,
  result: TestResult | null,
  minChange: number | null,
  enoughData: boolean,
  alpha: number,
): Metric {
  const delta = baseline !== null && candidate !== null ? candidate - baseline : null;
  const verdict =
    delta === null || result === null || minChange === null
      ? 'insufficient_data'
      : verdictOf({ delta, pValue: result.pValue, minChange, alpha, enoughData, ciLow: result.ciLow, ciHigh: result.ciHigh });
  return {
    name,
    unit,
    baseline,
    candidate,
    delta,
    relativeDelta: delta !== null && baseline ? delta / baseline : null,
    ciLow: result?.ciLow ?? null,
    ciHigh: result?.ciHigh ?? null,
    pValue: result?.pValue ?? null,
    test: result?.test ?? 'none',
    minChange,
    verdict,
  };
}

function clusterSums(row: Record<string, unknown>, p: 'b' | 'c', x: 'sp' | 'ti' | 'to'): ClusterSums {
  return {
    n: num(row[`${p}_traces`]),
    sumX: num(row[`${p}_${x}`]),
    sumR: num(row[`${p}_r`]),
    sumXX: num(row[`${p}_${x}${x}`]),
    sumRR: num(row[`${p}_rr`]),
    sumXR: num(row[`${p}_${x}r`]),
  };
}

interface ComparePath {
  window(client: ClickHouseClient, options: CompareOptions, range: TimeRange): Promise<Record<string, unknown>>;
  sides(client: ClickHouseClient, options: CompareOptions, range: TimeRange): Promise<Record<string, unknown>>;
  tests(client: ClickHouseClient, options: CompareOptions, range: TimeRange, baselineCut: string, candidateCut: string): Promise<Record<string, unknown>>;
}

const SIDE_FRAGMENTS = ['scope', 'baseline_request', 'candidate_request', 'baseline_span', 'candidate_span'];

/** Any cohorts, from raw spans: cohort conditions compiled to SQL, trace ids hashed on the fly. */
const rawPath: ComparePath = {
  async window(client, options, range) {
    const p = prepare(options, range);
    const [w] = await queryRows(client, renderSql('compare-window', pick(p.fragments, 'scope', 'baseline_request', 'candidate_request')), p.params);
    return w;
  },
  async sides(client, options, range) {
    const p = prepare(options, range);
    const [row] = await queryRows(client, renderSql('compare-sides', pick(p.fragments, ...SIDE_FRAGMENTS)), p.params);
    return row;
  },
  async tests(client, options, range, baselineCut, candidateCut) {
    const p = prepare(options, range);
    const [row] = await queryRows(client, renderSql('compare-tests', pick(p.fragments, ...SIDE_FRAGMENTS)), {
      ...p.params,
      baseline_cut: baselineCut,
      candidate_cut: candidateCut,
    });
    return row;
  },
};

/** Version against version: the rollups for the sums, verdict_traces for the tests' sample. */
const rollupPath: ComparePath = {
  async window(client, options, range) {
    const source = rollupSource({ service: options.service, environment: options.environment, range });
    const [w] = await queryRows(client, renderSql('compare-window-rollup', source.fragments), { ...source.params, ...versionParams(options) });
    return w;
  },
  async sides(client, options, range) {
    const source = rollupSource({ service: options.service, environment: options.environment, range });
    const [row] = await queryRows(client, renderSql('compare-sides-rollup', source.fragments), { ...source.params, ...versionParams(options) });
    return row;
  },
  async tests(client, options, range, baselineCut, candidateCut) {
    const scope = traceScope({ service: options.service, environment: options.environment, range });
    const [row] = await queryRows(client, renderSql('compare-tests-traces', { scope: scope.sql }), {
      ...scope.params,
      ...versionParams(options),
      from_ms: range.fromMs,
      to_ms: range.toMs,
      baseline_cut: baselineCut,
      candidate_cut: candidateCut,
    });
    return row;
  },
};

function versionParams(options: CompareOptions): QueryParams {
  return { b_version: options.baseline.version ?? '', c_version: options.candidate.version ?? '' };
}

export async function compare(client: ClickHouseClient, options: CompareOptions): Promise<CompareResult> {
  validate(options);
  const thresholds: CompareThresholds = { ...DEFAULT_THRESHOLDS };
  for (const [k, v] of Object.entries(options.thresholds ?? {})) if (v !== undefined) thresholds[k as keyof CompareThresholds] = v;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const minRequests = options.minRequests ?? DEFAULT_MIN_REQUESTS;
  const sampleCap = options.sampleCap ?? DEFAULT_SAMPLE_CAP;
  const warnings: string[] = [];
  // Whole minutes, the rollups' resolution, on both paths, so that they give the same answers.
  let range: TimeRange = minuteRange(options.range);
  let overlapMissing = false;
  // Version against version reads the rollups and verdict_traces; a filter on either side needs
  // the attributes of raw spans.
  const path = options.baseline.filter || options.candidate.filter ? rawPath : rollupPath;

  if (options.align) {
    const w = await path.window(client, options, range);
    if (num(w?.baseline_requests) === 0 || num(w?.candidate_requests) === 0) {
      overlapMissing = true;
      warnings.push('time alignment: one side has no requests in the range, so there is no common window');
    } else {
      const from = Math.max(num(w.baseline_first_ms), num(w.candidate_first_ms));
      const to = Math.min(num(w.baseline_last_ms), num(w.candidate_last_ms)) + 60_000;
      if (from >= to) {
        overlapMissing = true;
        warnings.push('time alignment: the two sides were never live in the same minute, so there is nothing to compare');
      } else {
        range = { fromMs: Math.max(range.fromMs, from), toMs: Math.min(range.toMs, to) };
      }
    }
  }

  // The breakdown needs nothing from the sides: it runs alongside them (awaited at the end; the
  // empty catch only keeps a failure from being reported as unhandled before then).
  const breakdownResult = options.by ? breakdown(client, options, prepare(options, range), { alpha, minRequests, thresholds }) : undefined;
  breakdownResult?.catch(() => {});

  const sides: Record<'baseline' | 'candidate', SideData> = { baseline: EMPTY_SIDE, candidate: EMPTY_SIDE };
  if (!overlapMissing) {
    const row = await path.sides(client, options, range);
    const side = (p: 'b' | 'c'): SideData => ({
      requests: num(row[`${p}_requests`]),
      errors: num(row[`${p}_errors`]),
      latencyNs: (row[`${p}_latency_ns`] as unknown[]).map(num),
      meanNs: num(row[`${p}_mean_ns`]),
      spans: num(row[`${p}_spans`]),
      inputTokens: num(row[`${p}_input_tokens`]),
      outputTokens: num(row[`${p}_output_tokens`]),
      firstMs: num(row[`${p}_first_ms`]),
      lastMs: num(row[`${p}_last_ms`]),
    });
    sides.baseline = side('b');
    sides.candidate = side('c');
  }
  const b = sides.baseline;
  const c = sides.candidate;
  const baseline = summary(options.baseline, b);
  const candidate = summary(options.candidate, c);

  for (const [name, d] of [['baseline', b], ['candidate', c]] as const) {
    if (d.requests < minRequests) {
      warnings.push(`${name} has ${d.requests} request${d.requests === 1 ? '' : 's'}: at least ${minRequests} per side are needed to conclude (minRequests)`);
    }
  }
  const enoughData = b.requests >= minRequests && c.requests >= minRequests;

  const baselineRate = b.requests > 0 ? Math.min(1, sampleCap / b.requests) : 1;
  const candidateRate = c.requests > 0 ? Math.min(1, sampleCap / c.requests) : 1;
  let tests: Record<string, unknown> | undefined;
  if (b.requests > 0 && c.requests > 0) tests = await path.tests(client, options, range, cutFor(baselineRate), cutFor(candidateRate));

  const metrics: Metric[] = [];
  const errorTest = b.requests > 0 && c.requests > 0 ? twoProportionTest(b.errors, b.requests, c.errors, c.requests) : null;
  metrics.push(metric('errorRate', 'ratio', baseline.errorRate, candidate.errorRate, errorTest, thresholds.minErrorRateDelta, enoughData, alpha));

  const latencyP = tests ? num(tests.latency_p_value) : null;
  QUANTILES.forEach((q, i) => {
    const bv = baseline.latencyMs?.[q] ?? null;
    const cv = candidate.latencyMs?.[q] ?? null;
    let result: TestResult | null = null;
    if (tests && bv !== null && cv !== null) {
      const bounds = (k: string) => [num((tests![`${k}_lo_ns`] as unknown[])[i]) / NS_PER_MS, num((tests![`${k}_hi_ns`] as unknown[])[i]) / NS_PER_MS] as [number, number];
      const [lo, hi] = quantileDifferenceCi(cv - bv, bounds('b_latency'), bounds('c_latency'));
      result = { delta: cv - bv, pValue: latencyP, ciLow: lo, ciHigh: hi, test: 'Mann-Whitney U' };
    }
    const name = `latency${q.toUpperCase()}` as MetricName;
    metrics.push(metric(name, 'ms', bv, cv, result, bv !== null ? thresholds.minLatencyChange * bv : null, enoughData, alpha));
  });

  const perRequest = [
    ['inputTokensPerRequest', 'tokens', 'ti', thresholds.minTokenChange],
    ['outputTokensPerRequest', 'tokens', 'to', thresholds.minTokenChange],
    ['spansPerRequest', 'spans', 'sp', thresholds.minSpanChange],
  ] as const;
  for (const [name, unit, key, change] of perRequest) {
    const bv = baseline[name];
    const cv = candidate[name];
    const result = tests && bv !== null && cv !== null ? meanDifferenceTest(bv, cv, clusterSums(tests, 'b', key), clusterSums(tests, 'c', key)) : null;
    metrics.push(metric(name, unit, bv, cv, result, bv !== null ? change * bv : null, enoughData, alpha));
  }

  const result: CompareResult = {
    service: options.service ?? null,
    environment: options.environment ?? null,
    window: {
      from: range.fromMs > 0 ? new Date(range.fromMs).toISOString() : null,
      to: range.toMs < UNBOUNDED_TO_MS ? new Date(range.toMs).toISOString() : null,
      aligned: Boolean(options.align) && !overlapMissing,
    },
    baseline,
    candidate,
    metrics,
    warnings,
    regression: metrics.some((m) => m.verdict === 'worse'),
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

async function breakdown(
  client: ClickHouseClient,
  options: CompareOptions,
  prepared: Prepared,
  rules: { alpha: number; minRequests: number; thresholds: CompareThresholds },
): Promise<{ by: string; groups: BreakdownGroup[] }> {
  const by = options.by!;
  const params: QueryParams = { ...prepared.params, limit: options.byLimit ?? 20 };
  const fragments = pick(prepared.fragments, 'scope', 'baseline_request', 'candidate_request');
  if (by === 'name') {
    fragments.group_key = 'SpanName';
    fragments.group_join = '';
  } else {
    params.by_key = by === 'model' ? 'gen_ai.request.model' : by;
    fragments.group_key =
      "coalesce(nullIf(SpanAttributes[{by_key:String}], ''), nullIf(ResourceAttributes[{by_key:String}], ''), trace_value)";
    fragments.group_join = renderSql('compare-breakdown-trace-values', pick(prepared.fragments, 'scope', 'baseline_span', 'candidate_span'));
  }
  const rows = await queryRows(client, renderSql('compare-breakdown', fragments), params);
  const groups = rows.map((r): BreakdownGroup => {
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
    const key = String(r.group_key);
    const enough = bs.requests >= rules.minRequests && cs.requests >= rules.minRequests;
    const errorTest = bs.requests > 0 && cs.requests > 0 ? twoProportionTest(bs.errors, bs.requests, cs.errors, cs.requests) : null;
    // Only a group with requests on both sides has a test (the SQL gives the others nan).
    const p = bs.requests > 0 && cs.requests > 0 ? num(r.latency_p_value) : undefined;
    const b95 = bs.latencyMs?.p95 ?? null;
    const c95 = cs.latencyMs?.p95 ?? null;
    const latencyTest: TestResult | null =
      p !== undefined && b95 !== null && c95 !== null ? { delta: c95 - b95, pValue: p, ciLow: null, ciHigh: null, test: 'Mann-Whitney U' } : null;
    return {
      key,
      baseline: bs,
      candidate: cs,
      metrics: [
        metric('errorRate', 'ratio', bs.errorRate, cs.errorRate, errorTest, rules.thresholds.minErrorRateDelta, enough, rules.alpha),
        metric('latencyP95', 'ms', b95, c95, latencyTest, b95 !== null ? rules.thresholds.minLatencyChange * b95 : null, enough, rules.alpha),
      ],
    };
  });
  return { by, groups };
}
