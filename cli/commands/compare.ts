// `verdict compare`: is the candidate better or worse than the baseline? A table of metrics with
// deltas, intervals, p-values and verdicts, or --json (one document, docs/queries.md). With
// --fail-on-regression it exits 1 when any metric is `worse`, so a CI job can stop a rollout.
import type { CompareResult, Metric } from '../../queries/compare.js';
import { UsageError } from '../errors.js';
import { ask } from '../question-client.js';
import { fixed, pct, pValue } from '../question-format.js';
import type { QuestionContext } from '../question-commands.js';
import { renderTable } from '../table-output.js';

export async function compareCommand(ctx: QuestionContext): Promise<number> {
  const f = ctx.flags;
  if (!f.baseline && !f['baseline-filter']) throw new UsageError('compare needs --baseline VERSION or --baseline-filter FILTER');
  if (!f.candidate && !f['candidate-filter']) throw new UsageError('compare needs --candidate VERSION or --candidate-filter FILTER');
  const r = await ask<CompareResult>(
    '/api/compare',
    {
      ...ctx.scope(),
      baseline: f.baseline,
      candidate: f.candidate,
      baselineFilter: f['baseline-filter'],
      candidateFilter: f['candidate-filter'],
      by: f.by,
      align: ctx.bool('align'),
      alpha: f.alpha,
      minRequests: f['min-requests'],
      minErrorRateDelta: f['min-error-rate-delta'],
      minLatencyChange: f['min-latency-change'],
      minTokenChange: f['min-token-change'],
      minSpanChange: f['min-span-change'],
    },
    ctx,
  );
  process.stdout.write(ctx.json ? `${JSON.stringify(r, null, 2)}\n` : human(r));
  return ctx.bool('fail-on-regression') && r.regression ? 1 : 0;
}

function value(m: Metric, v: number | null): string {
  if (v === null) return '';
  if (m.unit === 'ratio') return pct(v);
  return fixed(v, m.unit === 'ms' ? 1 : 2);
}

/** Differences of rates are in percentage points, not percent. */
function difference(m: Metric, v: number | null): string {
  if (v === null) return '';
  return m.unit === 'ratio' ? `${(v * 100).toFixed(2)} pt` : value(m, v);
}

function human(r: CompareResult): string {
  const where = [r.service, r.environment].filter(Boolean).join(' / ') || 'all services and environments';
  const lines = [
    `${where}: ${r.baseline.label} (baseline, ${r.baseline.requests} requests) vs ${r.candidate.label} (candidate, ${r.candidate.requests} requests)`,
  ];
  if (r.window.from || r.window.to) lines.push(`window: ${r.window.from ?? '…'} to ${r.window.to ?? '…'}${r.window.aligned ? ' (aligned)' : ''}`);
  lines.push('');
  const rows = r.metrics.map((m) => ({
    metric: m.name,
    baseline: value(m, m.baseline),
    candidate: value(m, m.candidate),
    delta: m.delta === null ? '' : `${m.delta >= 0 ? '+' : ''}${difference(m, m.delta)}`,
    '95% CI': m.ciLow === null || m.ciHigh === null ? '' : `[${difference(m, m.ciLow)}, ${difference(m, m.ciHigh)}]`,
    'p-value': pValue(m.pValue),
    verdict: m.verdict,
  }));
  lines.push(renderTable(Object.keys(rows[0]), rows).replace(/\(\d+ rows?\)\n$/, '').trimEnd());
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  if (r.breakdown) {
    lines.push('', `by ${r.breakdown.by}:`);
    const groups = r.breakdown.groups.map((g) => ({
      [r.breakdown!.by]: g.key,
      baseline_requests: g.baseline.requests,
      candidate_requests: g.candidate.requests,
      baseline_error_rate: pct(g.baseline.errorRate),
      candidate_error_rate: pct(g.candidate.errorRate),
      baseline_p95_ms: fixed(g.baseline.latencyMs?.p95),
      candidate_p95_ms: fixed(g.candidate.latencyMs?.p95),
      error_rate: g.metrics[0].verdict,
      latency_p95: g.metrics[1].verdict,
    }));
    if (groups.length > 0) lines.push(renderTable(Object.keys(groups[0]), groups).trimEnd());
  }
  const worse = r.metrics.filter((m) => m.verdict === 'worse').map((m) => m.name);
  const better = r.metrics.filter((m) => m.verdict === 'better').map((m) => m.name);
  lines.push('', worse.length > 0 ? `REGRESSION: ${worse.join(', ')} worse` : better.length > 0 ? `no regression; better: ${better.join(', ')}` : 'no regression');
  return `${lines.join('\n')}\n`;
}
