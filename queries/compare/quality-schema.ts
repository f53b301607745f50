// compare's quality and cost parameters and answers, declared once (TypeBox), beside schema.ts:
// each feedback name as a metric with its coverage, and cost per request and in total.
import { Type, type Static } from '@sinclair/typebox';
import { answer, nullable, oneOf } from '../question.js';
import { TEST_FIELDS } from './test-fields.js';

export const QUALITY_PARAMS = {
  qualityDirection: Type.Optional(Type.String({
    description: 'Which way is better per feedback name, e.g. "thumbs_down=lower,relevance=higher". Default: higher, except names that say down/bad/negative/toxic/hallucination/error/fail/harm.',
  })),
  minQualityRateDelta: Type.Optional(Type.Number({ minimum: 0, default: 0.02, description: 'Smallest change of a boolean feedback rate that matters, absolute (0.02 = 2 points).' })),
  minQualityChange: Type.Optional(Type.Number({ minimum: 0, default: 0.05, description: 'Smallest change of a numeric feedback mean that matters, relative (0.05 = 5 %).' })),
  minCostChange: Type.Optional(Type.Number({ minimum: 0, default: 0.1, description: 'Smallest cost-per-request change that matters, relative.' })),
};

export const DEFAULT_QUALITY_RULES = {
  minQualityRateDelta: QUALITY_PARAMS.minQualityRateDelta.default as number,
  minQualityChange: QUALITY_PARAMS.minQualityChange.default as number,
  minCostChange: QUALITY_PARAMS.minCostChange.default as number,
};
export type QualityRules = typeof DEFAULT_QUALITY_RULES & { directions: Record<string, 'higher' | 'lower'> };

export const QUALITY_VERDICTS = ['better', 'worse', 'no_significant_difference', 'insufficient_data', 'different'] as const;

const QualitySide = answer({
  coverage: nullable(Type.Number({ description: 'Share of the side\'s requests (traces) with this feedback.' })),
  count: Type.Integer({ description: 'Live assessments (the latest per trace and source).' }),
  value: nullable(Type.Number({ description: 'Mean (numeric) or rate of true (boolean); null for categorical.' })),
  shares: nullable(Type.Record(Type.String(), Type.Number(), { description: 'Label shares (categorical).' })),
});

export const QualityMetricSchema = answer({
  name: Type.String(),
  type: oneOf(['numeric', 'boolean', 'categorical'] as const),
  direction: oneOf(['higher', 'lower'] as const, { description: 'Which way is better.' }),
  baseline: QualitySide,
  candidate: QualitySide,
  delta: nullable(Type.Number()),
  ...TEST_FIELDS,
  minChange: nullable(Type.Number()),
  verdict: oneOf(QUALITY_VERDICTS, { description: '"different": categorical label shares differ (no direction).' }),
});
export type QualityMetric = Static<typeof QualityMetricSchema>;

const CostSide = answer({
  totalUsd: Type.Number(),
  perRequestUsd: nullable(Type.Number()),
  llmCalls: Type.Integer(),
  unpricedCalls: Type.Integer({ description: 'LLM calls whose model has no price: not in the totals.' }),
  unpricedModels: Type.Array(Type.String()),
  priceSources: Type.Array(Type.String({ description: 'What priced the calls: genai-prices@<version> or prices-file:<name>.' })),
});

export const CostSchema = answer({
  baseline: CostSide,
  candidate: CostSide,
  delta: nullable(Type.Number({ description: 'Cost per request, candidate minus baseline (USD).' })),
  relativeDelta: nullable(Type.Number()),
  ...TEST_FIELDS,
  minChange: nullable(Type.Number()),
  verdict: oneOf(QUALITY_VERDICTS),
});
export type CostComparison = Static<typeof CostSchema>;
