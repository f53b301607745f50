// Compare's answer quality and cost, as cards beside the other metrics: each feedback name (a
// boolean's rate, a numeric mean, a categorical's label shares) with its coverage per side, marked
// where the API warned that coverage differs; and cost per request with its interval, plus totals.
import type { CompareResult } from '../api-types.js';
import { formatCount, formatPercent, formatUsd, NONE } from '../format.js';
import { MetricCard, type CardMetric } from './metric-card.js';

type QualityMetric = CompareResult['quality'][number];
type CostComparison = CompareResult['cost'];

const TYPE_WORDS: Record<QualityMetric['type'], string> = { boolean: 'rate of true', numeric: 'mean score', categorical: 'label shares' };

export function QualityAndCost(props: { r: CompareResult }) {
  const { quality, cost, warnings } = props.r;
  return (
    <section aria-labelledby="quality-title" data-testid="quality-and-cost">
      <h2 id="quality-title">Answer quality and cost</h2>
      {quality.length === 0 && <p class="muted small">No feedback on either side's requests (POST /api/feedback, gen_ai.evaluation.result events, scorers).</p>}
      <div class="cards">
        {quality.map((q) => (
          <QualityCard q={q} coverageWarned={warnings.some((w) => w.startsWith(`feedback "${q.name}" covers`))} />
        ))}
        <CostCard cost={cost} />
      </div>
    </section>
  );
}

function QualityCard(props: { q: QualityMetric; coverageWarned: boolean }) {
  const { q } = props;
  const unit = q.type === 'boolean' ? 'ratio' : 'score';
  const metric: CardMetric = {
    name: q.name,
    unit,
    baseline: q.baseline.value,
    candidate: q.candidate.value,
    delta: q.delta,
    relativeDelta: null,
    ciLow: q.ciLow,
    ciHigh: q.ciHigh,
    pValue: q.pValue,
    test: q.test,
    minChange: q.minChange,
    verdict: q.verdict,
  };
  return (
    <MetricCard metric={metric} title={`${q.name} (${TYPE_WORDS[q.type]}, ${q.direction} is better)`} testId="quality-card">
      {q.type === 'categorical' && (
        <p class="small" data-testid="shares">
          Baseline {shares(q.baseline.shares)} · Candidate {shares(q.candidate.shares)}
        </p>
      )}
      <p class={`small ${props.coverageWarned ? 'coverage-warned' : 'muted'}`} data-testid="coverage">
        Coverage {formatPercent(q.baseline.coverage, 1)} of baseline requests ({formatCount(q.baseline.count)} rated) · {formatPercent(q.candidate.coverage, 1)} of candidate requests (
        {formatCount(q.candidate.count)} rated)
        {props.coverageWarned && (
          <span class="badge new" title="Who gives feedback differs between the sides: selection bias can fake a quality change." data-testid="coverage-warning">
            coverage differs
          </span>
        )}
      </p>
    </MetricCard>
  );
}

const shares = (s: Record<string, number> | null) =>
  s && Object.keys(s).length > 0
    ? Object.entries(s)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([label, share]) => `${label} ${formatPercent(share, 1)}`)
        .join(', ')
    : NONE;

function CostCard(props: { cost: CostComparison }) {
  const c = props.cost;
  const metric: CardMetric = {
    name: 'costPerRequest',
    unit: 'usd',
    baseline: c.baseline.perRequestUsd,
    candidate: c.candidate.perRequestUsd,
    delta: c.delta,
    relativeDelta: c.relativeDelta,
    ciLow: c.ciLow,
    ciHigh: c.ciHigh,
    pValue: c.pValue,
    test: c.test,
    minChange: c.minChange,
    verdict: c.verdict,
  };
  const unpriced = c.baseline.unpricedCalls + c.candidate.unpricedCalls;
  return (
    <MetricCard metric={metric} title="Cost per request (USD)" testId="cost-card">
      <p class="small" data-testid="total-cost">
        Total cost: baseline <span data-testid="baseline-total">{formatUsd(c.baseline.totalUsd)}</span> ({formatCount(c.baseline.llmCalls)} LLM calls) · candidate{' '}
        <span data-testid="candidate-total">{formatUsd(c.candidate.totalUsd)}</span> ({formatCount(c.candidate.llmCalls)} LLM calls)
      </p>
      {unpriced > 0 && <p class="small coverage-warned">{formatCount(unpriced)} LLM calls have no price and are left out (see the warnings).</p>}
    </MetricCard>
  );
}
