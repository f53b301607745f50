// compare's parameters and its answer, declared once. The API's route validation and response
// serialisation, the OpenAPI document and the CLI's flags are derived from these schemas, and so
// are the TypeScript types below.
import { Type, type Static } from '@sinclair/typebox';
import { answer, FILTER_PARAM, Iso, nullable, oneOf, SCOPE_PARAMS } from '../question.js';
import { CostSchema, QUALITY_PARAMS, QualityMetricSchema } from './quality-schema.js';
import { TEST_FIELDS } from './test-fields.js';

export const CompareParams = Type.Object({
  ...SCOPE_PARAMS,
  baseline: Type.Optional(Type.String({ description: 'Baseline version.' })),
  candidate: Type.Optional(Type.String({ description: 'Candidate version.' })),
  baselineFilter: Type.Optional(Type.String({ ...FILTER_PARAM, description: 'Filter selecting the baseline requests (with or instead of baseline).' })),
  candidateFilter: Type.Optional(Type.String({ ...FILTER_PARAM, description: 'Filter selecting the candidate requests (with or instead of candidate).' })),
  by: Type.Optional(Type.String({ description: 'Break down by name (request span name), model (gen_ai.request.model) or any attribute key.' })),
  byLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20, description: 'Largest number of breakdown groups.' })),
  align: Type.Optional(Type.Boolean({ description: 'Compare only the minutes in which both sides had requests.' })),
  stratify: Type.Optional(Type.String({ description: 'Keys the mix adjustment stratifies by, comma-separated: name (root operation), model, and at most one attribute key; none to skip it.', default: 'name,model' })),
  verdictBasis: Type.Optional(Type.String({ enum: ['raw', 'adjusted'], default: 'raw', description: 'Which deltas decide `regression` (and --fail-on-regression): the raw ones, or the mix-adjusted ones.' })),
  alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.05, description: 'Significance level.' })),
  minRequests: Type.Optional(Type.Integer({ minimum: 1, default: 100, description: 'Requests each side needs for a verdict.' })),
  minErrorRateDelta: Type.Optional(Type.Number({ minimum: 0, default: 0.003, description: 'Smallest error-rate change that matters, absolute (0.003 = 0.3 points).' })),
  minLatencyChange: Type.Optional(Type.Number({ minimum: 0, default: 0.1, description: 'Smallest latency change that matters, relative (0.1 = 10 %).' })),
  minTokenChange: Type.Optional(Type.Number({ minimum: 0, default: 0.1, description: 'Smallest tokens-per-request change that matters, relative.' })),
  minSpanChange: Type.Optional(Type.Number({ minimum: 0, default: 0.2, description: 'Smallest spans-per-request change that matters, relative.' })),
  ...QUALITY_PARAMS,
});
export type CompareParams = Static<typeof CompareParams>;

const THRESHOLD_NAMES = ['minErrorRateDelta', 'minLatencyChange', 'minTokenChange', 'minSpanChange'] as const;
export type CompareThresholds = Record<(typeof THRESHOLD_NAMES)[number], number>;

/** The thresholds' defaults, read from the declaration above. */
export const DEFAULT_THRESHOLDS = Object.fromEntries(
  THRESHOLD_NAMES.map((name) => [name, CompareParams.properties[name].default as number]),
) as CompareThresholds;
export const DEFAULT_ALPHA = CompareParams.properties.alpha.default as number;
export const DEFAULT_MIN_REQUESTS = CompareParams.properties.minRequests.default as number;
export const DEFAULT_BY_LIMIT = CompareParams.properties.byLimit.default as number;

export const VERDICTS = ['better', 'worse', 'no_significant_difference', 'insufficient_data'] as const;
export const METRIC_NAMES = [
  'errorRate',
  'latencyP50',
  'latencyP90',
  'latencyP95',
  'latencyP99',
  'inputTokensPerRequest',
  'outputTokensPerRequest',
  'spansPerRequest',
] as const;
export const METRIC_UNITS = ['ratio', 'ms', 'tokens', 'spans'] as const;


export const MetricSchema = answer({
  name: oneOf(METRIC_NAMES),
  unit: oneOf(METRIC_UNITS),
  baseline: nullable(Type.Number()),
  candidate: nullable(Type.Number()),
  delta: nullable(Type.Number()),
  relativeDelta: nullable(Type.Number({ description: 'delta / baseline, when the baseline is not 0.' })),
  ...TEST_FIELDS,
  minChange: nullable(Type.Number({ description: 'The practical threshold this metric had to cross, in its own unit.' })),
  verdict: oneOf(VERDICTS),
});
export type Metric = Static<typeof MetricSchema>;
export type MetricName = Metric['name'];

export const SideSummarySchema = answer({
  label: Type.String(),
  version: nullable(Type.String()),
  filter: nullable(Type.String()),
  requests: Type.Integer(),
  errors: Type.Integer(),
  errorRate: nullable(Type.Number()),
  latencyMs: nullable(answer({ p50: Type.Number(), p90: Type.Number(), p95: Type.Number(), p99: Type.Number(), mean: Type.Number() })),
  inputTokensPerRequest: nullable(Type.Number()),
  outputTokensPerRequest: nullable(Type.Number()),
  spansPerRequest: nullable(Type.Number()),
  firstSeen: Iso(),
  lastSeen: Iso(),
});
export type SideSummary = Static<typeof SideSummarySchema>;

const GroupSide = answer({
  requests: Type.Integer(),
  errors: Type.Integer(),
  errorRate: nullable(Type.Number()),
  latencyMs: nullable(answer({ p50: Type.Number(), p95: Type.Number() })),
});

const LatencyDistributionSchema = answer(
  {
    test: Type.String(),
    pValue: nullable(Type.Number({ description: 'Two-sided p-value that the two latency distributions differ (one is shifted against the other).' })),
  },
  { description: 'The test of the whole latency distribution, reported once; each latency quantile has its own interval, p-value and verdict in metrics.' },
);

export const BreakdownGroupSchema = answer({
  key: Type.String(),
  baseline: GroupSide,
  candidate: GroupSide,
  metrics: Type.Array(MetricSchema),
  latencyDistribution: LatencyDistributionSchema,
  quality: Type.Array(QualityMetricSchema, { description: "The group's feedback per name, as compare's own quality (its coverage is within the group)." }),
  cost: CostSchema,
});
export type BreakdownGroup = Static<typeof BreakdownGroupSchema>;

const SideSufficiencySchema = answer({
  requests: Type.Integer(),
  enough: Type.Boolean({ description: 'At least minRequests requests.' }),
  versionKnown: nullable(Type.Boolean({ description: 'For a version side: whether the version served any request in the service and environment at any time (false: an unknown version). Null for a side chosen by a filter only.' })),
});

export const SufficiencySchema = answer(
  {
    sufficient: Type.Boolean({ description: 'Both sides have at least minRequests requests. When false, `verdict compare --fail-on-regression` exits 3 (unless --allow-insufficient).' }),
    minRequests: Type.Integer(),
    baseline: SideSufficiencySchema,
    candidate: SideSufficiencySchema,
    missing: Type.Array(Type.String(), { description: 'What is missing, one sentence per insufficient side (unknown version, empty side, too few requests).' }),
  },
  { description: 'Whether the comparison had enough data to be trusted by a gate.' },
);

export const ADJUSTED_METRIC_NAMES = ['errorRate', 'latencyMean', 'inputTokensPerRequest', 'outputTokensPerRequest', 'spansPerRequest', 'costPerRequest'] as const;

/** The adjusted metrics' units: the raw metrics' and cost's. */
export const ADJUSTED_METRIC_UNITS = [...METRIC_UNITS, 'usd'] as const;

export const AdjustedMetricSchema = answer({
  name: oneOf(ADJUSTED_METRIC_NAMES),
  unit: oneOf(ADJUSTED_METRIC_UNITS),
  rawBaseline: nullable(Type.Number()),
  rawCandidate: nullable(Type.Number()),
  rawDelta: nullable(Type.Number({ description: 'candidate − baseline over all requests, whatever their mix.' })),
  baseline: nullable(Type.Number({ description: "The baseline over the strata both sides served." })),
  candidate: nullable(Type.Number({ description: "The candidate as if it had served the baseline's mix (error rate: baseline + the CMH risk difference)." })),
  delta: nullable(Type.Number({ description: 'The mix-adjusted delta.' })),
  relativeDelta: nullable(Type.Number()),
  ...TEST_FIELDS,
  minChange: nullable(Type.Number()),
  verdict: oneOf(VERDICTS),
});
export type AdjustedMetric = Static<typeof AdjustedMetricSchema>;

export const MixAdjustmentSchema = answer(
  {
    stratifiedBy: Type.Array(Type.String()),
    strata: Type.Integer({ description: 'Strata with requests on either side.' }),
    sharedStrata: Type.Integer({ description: 'Strata with requests on both sides: the only ones the adjustment can compare.' }),
    coverage: answer({
      baseline: nullable(Type.Number({ description: "Share of the baseline's requests in shared strata." })),
      candidate: nullable(Type.Number({ description: "Share of the candidate's requests in shared strata." })),
    }),
    verdictBasis: oneOf(['raw', 'adjusted'] as const, { description: 'Which deltas decided `regression`: adjusted only when asked for (verdictBasis) and the shared strata hold at least 80 % of each side\'s requests.' }),
    metrics: Type.Array(AdjustedMetricSchema),
  },
  { description: "Deltas adjusted for the difference in mix (Simpson's paradox): error rate by Cochran–Mantel–Haenszel, means by direct standardisation to the baseline's mix." },
);
export type MixAdjustment = Static<typeof MixAdjustmentSchema>;

export const CompareResultSchema = answer({
  service: nullable(Type.String()),
  environment: nullable(Type.String()),
  window: answer({
    from: Iso(),
    to: Iso(),
    aligned: Type.Boolean(),
    sharedMinutes: nullable(Type.Integer({ description: 'With align: the number of minutes in which both sides served requests, the only minutes read.' })),
  }),
  baseline: SideSummarySchema,
  candidate: SideSummarySchema,
  metrics: Type.Array(MetricSchema),
  mixAdjustment: nullable(MixAdjustmentSchema),
  latencyDistribution: LatencyDistributionSchema,
  quality: Type.Array(QualityMetricSchema, { description: 'Each feedback name (assessments of kind feedback) as a metric, with its coverage per side.' }),
  cost: CostSchema,
  warnings: Type.Array(Type.String()),
  regression: Type.Boolean({ description: 'True when any metric (on the verdict basis), feedback metric or cost is worse: what `verdict compare --fail-on-regression` exits 1 on.' }),
  sufficiency: SufficiencySchema,
  sampling: answer({
    baselineRate: Type.Number(),
    candidateRate: Type.Number(),
    baselineSampledRequests: Type.Integer(),
    candidateSampledRequests: Type.Integer(),
  }),
  breakdown: Type.Optional(answer({ by: Type.String(), groups: Type.Array(BreakdownGroupSchema) })),
});
export type CompareResult = Static<typeof CompareResultSchema>;
