// `verdict compare`: is the candidate better or worse than the baseline? A table of metrics with
// deltas, intervals, p-values and verdicts, or --json (one document, docs/queries.md). With
// --fail-on-regression it exits 1 when any metric is `worse`, so a CI job can stop a rollout.
import { Option } from 'commander';
import { compareQuestion } from '../../queries/compare/compare.js';
import type { CompareResult, Metric } from '../../queries/compare/schema.js';
import { amount, ms, percent, points, pValue, renderBareTable, time, verdict, type Output } from '../format.js';
import type { CliQuestion } from '../question-command.js';
import { qualityLines, qualityVerdicts } from './compare-quality.js';

export const compareCommand: CliQuestion = {
  command: 'compare',
  question: compareQuestion,
  extraOptions: [new Option('--fail-on-regression', 'exit 1 when any metric is worse (a CI gate)')],
  example: 'verdict compare --service chat-api --env production --baseline 1.1.0 --candidate 1.2.0 --fail-on-regression',
  print(answer, ctx) {
    const r = answer as CompareResult;
    process.stdout.write(ctx.json ? `${JSON.stringify(r, null, 2)}\n` : human(r, ctx.out));
    return ctx.options.failOnRegression && r.regression ? 1 : 0;
  },
  // A side chosen by a filter that selected no request: the filter is what to explain.
  unmatched: (answer, params) => {
    const r = answer as CompareResult;
    return [
      ...(r.baseline.requests === 0 && params.baselineFilter ? [String(params.baselineFilter)] : []),
      ...(r.candidate.requests === 0 && params.candidateFilter ? [String(params.candidateFilter)] : []),
    ];
  },
};

/** A metric's value with its unit: "5.00 %", "199.1 ms", "1000.0 tokens". */
function value(m: Metric, v: number | null): string {
  if (v === null) return '';
  if (m.unit === 'ratio') return percent(v);
  if (m.unit === 'ms') return ms(v);
  return amount(v, m.unit, 2);
}

/** Differences of rates are in percentage points, not percent. */
function difference(m: Metric, v: number | null): string {
  if (v === null) return '';
  return m.unit === 'ratio' ? points(v) : value(m, v);
}

function human(r: CompareResult, out: Output): string {
  const where = [r.service, r.environment].filter(Boolean).join(' / ') || 'all services and environments';
  const lines = [
    `${where}: ${r.baseline.label} (baseline, ${r.baseline.requests} requests) vs ${r.candidate.label} (candidate, ${r.candidate.requests} requests)`,
  ];
  if (r.window.from || r.window.to) lines.push(`window: ${time(r.window.from) || '…'} to ${time(r.window.to) || '…'}${r.window.aligned ? ' (aligned)' : ''}`);
  lines.push('');
  const rows = r.metrics.map((m) => ({
    metric: m.name,
    baseline: value(m, m.baseline),
    candidate: value(m, m.candidate),
    delta: m.delta === null ? '' : `${m.delta >= 0 ? '+' : ''}${difference(m, m.delta)}`,
    '95% CI': m.ciLow === null || m.ciHigh === null ? '' : `[${difference(m, m.ciLow)}, ${difference(m, m.ciHigh)}]`,
    'p-value': pValue(m.pValue),
    verdict: verdict(m.verdict, out),
  }));
  lines.push(renderBareTable(Object.keys(rows[0]), rows, out));
  lines.push(...qualityLines(r, out));
  for (const w of r.warnings) lines.push(out.color.yellow(`warning: ${w}`));
  if (r.breakdown) {
    lines.push('', `by ${r.breakdown.by}:`);
    const groups = r.breakdown.groups.map((g) => ({
      [r.breakdown!.by]: g.key,
      baseline_requests: g.baseline.requests,
      candidate_requests: g.candidate.requests,
      baseline_error_rate: percent(g.baseline.errorRate),
      candidate_error_rate: percent(g.candidate.errorRate),
      baseline_p95: ms(g.baseline.latencyMs?.p95),
      candidate_p95: ms(g.candidate.latencyMs?.p95),
      error_rate: verdict(g.metrics[0].verdict, out),
      latency_p95: verdict(g.metrics[1].verdict, out),
    }));
    if (groups.length > 0) lines.push(renderBareTable(Object.keys(groups[0]), groups, out));
  }
  const worse = [...r.metrics.filter((m) => m.verdict === 'worse').map((m) => m.name), ...qualityVerdicts(r, 'worse')];
  const better = [...r.metrics.filter((m) => m.verdict === 'better').map((m) => m.name), ...qualityVerdicts(r, 'better')];
  const conclusion = worse.length > 0
    ? out.color.bold(out.color.red(`REGRESSION: ${worse.join(', ')} worse`))
    : better.length > 0
      ? out.color.green(`no regression; better: ${better.join(', ')}`)
      : 'no regression';
  lines.push('', conclusion);
  return `${lines.join('\n')}\n`;
}
