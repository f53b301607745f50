// One compared metric as a card: both values, the difference with its 95 % interval drawn as a bar
// against zero (and the band of changes too small to matter), the p-value, and the verdict in
// words and colour. Compare's metrics use it as they are; feedback and cost (compare-quality.tsx)
// pass the same shape with their own title, test id and lines below.
import type { ComponentChildren } from 'preact';
import type { Metric } from '../api-types.js';
import { formatDelta, formatMetricValue, formatPValue, formatRelative, NONE, type MetricUnit } from '../format.js';
import { METRIC_TITLES, VERDICT_WORDS } from '../metric-words.js';

/** What a card shows: compare's Metric, or a feedback or cost comparison put in the same terms. */
export type CardMetric = Omit<Metric, 'name' | 'unit' | 'verdict'> & { name: string; unit: MetricUnit; verdict: keyof typeof VERDICT_WORDS };

export function MetricCard(props: { metric: CardMetric; title?: string; testId?: string; children?: ComponentChildren }) {
  const m = props.metric;
  return (
    <article class={`card metric verdict-${m.verdict}`} data-testid={props.testId ?? 'metric-card'} data-metric={m.name} data-verdict={m.verdict}>
      <header>
        <h3>{props.title ?? METRIC_TITLES[m.name] ?? m.name}</h3>
        <span class="verdict" data-testid="verdict">
          {VERDICT_WORDS[m.verdict]}
        </span>
      </header>
      <dl class="sides">
        <div>
          <dt>Baseline</dt>
          <dd data-testid="baseline-value">{formatMetricValue(m.unit, m.baseline)}</dd>
        </div>
        <div>
          <dt>Candidate</dt>
          <dd data-testid="candidate-value">{formatMetricValue(m.unit, m.candidate)}</dd>
        </div>
        <div>
          <dt>Change</dt>
          <dd data-testid="delta">
            {formatDelta(m.unit, m.delta)}
            {m.relativeDelta !== null && m.unit !== 'ratio' && <span class="muted"> ({formatRelative(m.relativeDelta)})</span>}
          </dd>
        </div>
      </dl>
      <IntervalBar metric={m} />
      <p class="small muted">
        95 % interval{' '}
        <span data-testid="interval">
          {m.ciLow === null || m.ciHigh === null ? NONE : `${formatDelta(m.unit, m.ciLow)} to ${formatDelta(m.unit, m.ciHigh)}`}
        </span>
        {' · '}p-value <span data-testid="p-value">{formatPValue(m.pValue)}</span>
        {' · '}
        {m.test}
      </p>
      {props.children}
    </article>
  );
}

function IntervalBar(props: { metric: CardMetric }) {
  const m = props.metric;
  if (m.ciLow === null || m.ciHigh === null || m.delta === null) return null;
  // minChange is in the metric's own units (a relative threshold is already applied to the baseline).
  const threshold = m.minChange;
  const extent = Math.max(Math.abs(m.ciLow), Math.abs(m.ciHigh), Math.abs(m.delta), threshold ?? 0) * 1.15 || 1;
  const x = (v: number) => 100 + (v / extent) * 95;
  const label =
    `Change ${formatDelta(m.unit, m.delta)}, 95 % interval ${formatDelta(m.unit, m.ciLow)} to ${formatDelta(m.unit, m.ciHigh)}` +
    (threshold !== null ? `; changes within ${formatDelta(m.unit, threshold).replace('+', '±')} do not count` : '');
  return (
    <svg class="interval-bar" viewBox="0 0 200 24" preserveAspectRatio="none" role="img" aria-label={label} data-testid="interval-bar">
      {threshold !== null && <rect class="threshold" x={x(-threshold)} y="2" width={x(threshold) - x(-threshold)} height="20" />}
      <line class="zero" x1="100" x2="100" y1="0" y2="24" />
      <rect class="interval" x={x(m.ciLow)} y="8" width={Math.max(0.8, x(m.ciHigh) - x(m.ciLow))} height="8" rx="2" />
      <line class="estimate" x1={x(m.delta)} x2={x(m.delta)} y1="3" y2="21" />
    </svg>
  );
}
