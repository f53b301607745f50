// compare's parameters and its answer, declared once. The API's route validation and response
// serialisation, the OpenAPI document and the CLI's flags are derived from these schemas, and so
// are the TypeScript types below.
import { Type, type Static } from '@sinclair/typebox';
import { answer, FILTER_PARAM, Iso, nullable, oneOf, SCOPE_PARAMS } from '../question.js';
import { CostSchema, QUALITY_PARAMS, QualityMetricSchema } from './quality-schema.js';

export const CompareParams = Type.Object({
  ...SCOPE_PARAMS,
  baseline: Type.Optional(Type.String({ description: 'Baseline version.' })),
  candidate: Type.Optional(Type.String({ description: 'Candidate version.' })),
  baselineFilter: Type.Optional(Type.String({ ...FILTER_PARAM, description: 'Filter selecting the baseline requests (with or instead of baseline).' })),
  candidateFilter: Type.Optional(Type.String({ ...FILTER_PARAM, description: 'Filter selecting the candidate requests (with or instead of candidate).' })),
  by: Type.Optional(Type.String({ description: 'Break down by name (request span name), model (gen_ai.request.model) or any attribute key.' })),
  byLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20, description: 'Largest number of breakdown groups.' })),
  align: Type.Optional(Type.Boolean({ description: 'Compare only the minutes in which both sides had requests.' })),
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
  ciLow: nullable(Type.Number()),
  ciHigh: nullable(Type.Number()),
  pValue: nullable(Type.Number()),
  test: Type.String(),
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

export const BreakdownGroupSchema = answer({
  key: Type.String(),
  baseline: GroupSide,
  candidate: GroupSide,
  metrics: Type.Array(MetricSchema),
});
export type BreakdownGroup = Static<typeof BreakdownGroupSchema>;

export const CompareResultSchema = answer({
  service: nullable(Type.String()),
  environment: nullable(Type.String()),
  window: answer({ from: Iso(), to: Iso(), aligned: Type.Boolean() }),
  baseline: SideSummarySchema,
  candidate: SideSummarySchema,
  metrics: Type.Array(MetricSchema),
  quality: Type.Array(QualityMetricSchema, { description: 'Each feedback name (assessments of kind feedback) as a metric, with its coverage per side.' }),
  cost: CostSchema,
  warnings: Type.Array(Type.String()),
  regression: Type.Boolean({ description: 'True when any metric, feedback metric or cost is worse: what `verdict compare --fail-on-regression` exits 1 on.' }),
  sampling: answer({
    baselineRate: Type.Number(),
    candidateRate: Type.Number(),
    baselineSampledRequests: Type.Integer(),
    candidateSampledRequests: Type.Integer(),
  }),
  breakdown: Type.Optional(answer({ by: Type.String(), groups: Type.Array(BreakdownGroupSchema) })),
});
export type CompareResult = Static<typeof CompareResultSchema>;
