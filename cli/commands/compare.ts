// `verdict compare`: is the candidate better or worse than the baseline? A table of metrics with
// deltas, intervals, p-values and verdicts, or --json (one document, docs/queries.md). With
// --fail-on-regression it exits 1 when any metric is `worse`, so a CI job can stop a rollout, and 3
// when a side has too little data to judge (an unknown version, an empty side, fewer than
// minRequests): a gate must not pass on nothing. --allow-insufficient lets such a run pass.
import { Option } from 'commander';
import type { AdjustedMetric, CompareResult, Metric } from '../../queries/compare/schema.js';
import { registryCompareQuestion, type RegistryCompare } from '../../registry/compare-default.js';
import { amount, ms, usd, percent, points, pValue, renderBareTable, time, verdict, type Output } from '../format.js';
import { EXIT_INSUFFICIENT, EXIT_REGRESSION } from '../exit-codes.js';
import type { CliQuestion } from '../question-command.js';
import { groupQualityCells, qualityLines, qualityVerdicts } from './compare-quality.js';

export const compareCommand: CliQuestion = {
  command: 'compare',
  // Through the registry's route: without --baseline it picks one (golden, production stage,
  // previous era), says which, and shows what changed between the two versions.
  question: registryCompareQuestion,
  extraOptions: [
    new Option('--fail-on-regression', `exit ${EXIT_REGRESSION} when any metric is worse, ${EXIT_INSUFFICIENT} when a side has too little data to judge (a CI gate)`),
    new Option('--allow-insufficient', `with --fail-on-regression: let a side with too little data pass (exit 0) instead of exit ${EXIT_INSUFFICIENT}`),
  ],
  example: 'verdict compare --service chat-api --env production --baseline 1.1.0 --candidate 1.2.0 --fail-on-regression',
  print(answer, ctx) {
    const a = answer as RegistryCompare;
    const r = a.comparison;
    // --json stays compare's document, with the registry's choice and diff added beside its fields.
    process.stdout.write(ctx.json ? `${JSON.stringify({ ...r, baselineChoice: a.baselineChoice, changes: a.changes }, null, 2)}\n` : `${chosen(a)}${human(r, ctx.out)}${changed(a)}`);
    if (!ctx.options.failOnRegression) return 0;
    if (r.regression) return EXIT_REGRESSION;
    if (!r.sufficiency.sufficient && !ctx.options.allowInsufficient) {
      // On stderr too, so that a CI log shows why the gate stopped even with --json.
      process.stderr.write(`verdict: cannot gate on this comparison: ${r.sufficiency.missing.join('; ')} (--allow-insufficient to pass anyway)\n`);
      return EXIT_INSUFFICIENT;
    }
    return 0;
  },
  // A side chosen by a filter that selected no request: the filter is what to explain.
  unmatched: (answer, params) => {
    const r = (answer as RegistryCompare).comparison;
    return [
      ...(r.baseline.requests === 0 && params.baselineFilter ? [String(params.baselineFilter)] : []),
      ...(r.candidate.requests === 0 && params.candidateFilter ? [String(params.candidateFilter)] : []),
    ];
  },
};

/** Which baseline the registry picked, when none was named. */
function chosen(a: RegistryCompare): string {
  return a.baselineChoice.rule === 'given' ? '' : `baseline: ${a.baselineChoice.version} (${a.baselineChoice.explanation})\n`;
}

/** What changed between the two versions, next to what it did. */
function changed(a: RegistryCompare): string {
  const d = a.changes;
  if (!d) return '';
  const rows = [
    ...(d.commits.from !== d.commits.to ? [`  commit: ${d.commits.from || '?'} → ${d.commits.to || '?'}`] : []),
    ...d.params.map((p) => `  param ${p.key}: ${p.from ?? '(none)'} → ${p.to ?? '(none)'}`),
    ...d.prompts.map((p) => `  prompt ${p.key}: ${p.from ?? '(none)'} → ${p.to ?? '(none)'}`),
    ...d.config.map((p) => `  config ${p.path}: ${p.from ?? '(none)'} → ${p.to ?? '(none)'}`),
  ];
  return `\nwhat changed (${d.from} → ${d.to}):\n${rows.length ? rows.join('\n') : '  nothing the registry knows of'}\n`;
}

/** A metric's value with its unit: "5.00 %", "199.1 ms", "1000.0 tokens". */
function value(m: { unit: AdjustedMetric['unit'] }, v: number | null): string {
  if (v === null) return '';
  if (m.unit === 'ratio') return percent(v);
  if (m.unit === 'ms') return ms(v);
  if (m.unit === 'usd') return usd(v);
  return amount(v, m.unit, 2);
}

/** Differences of rates are in percentage points, not percent. */
function difference(m: { unit: AdjustedMetric['unit'] }, v: number | null): string {
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
  if (r.latencyDistribution.pValue !== null) {
    lines.push(`latency distribution (${r.latencyDistribution.test}, whole distribution; each percentile above has its own interval): p-value ${pValue(r.latencyDistribution.pValue)}`);
  }
  if (r.mixAdjustment) {
    const mix = r.mixAdjustment;
    lines.push('', `mix-adjusted (by ${mix.stratifiedBy.join(', ')}; ${mix.sharedStrata} of ${mix.strata} strata on both sides; the verdict uses the ${mix.verdictBasis} deltas):`);
    const adjusted = mix.metrics.map((m) => ({
      metric: m.name,
      'raw delta': m.rawDelta === null ? '' : `${m.rawDelta >= 0 ? '+' : ''}${difference(m, m.rawDelta)}`,
      'adjusted delta': m.delta === null ? '' : `${m.delta >= 0 ? '+' : ''}${difference(m, m.delta)}`,
      '95% CI': m.ciLow === null || m.ciHigh === null ? '' : `[${difference(m, m.ciLow)}, ${difference(m, m.ciHigh)}]`,
      'p-value': pValue(m.pValue),
      verdict: verdict(m.verdict, out),
    }));
    lines.push(renderBareTable(Object.keys(adjusted[0]), adjusted, out));
  }
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
      ...groupQualityCells(r, g, out),
    }));
    if (groups.length > 0) lines.push(renderBareTable(Object.keys(groups[0]), groups, out));
  }
  const worse = [...r.metrics.filter((m) => m.verdict === 'worse').map((m) => m.name), ...qualityVerdicts(r, 'worse')];
  const better = [...r.metrics.filter((m) => m.verdict === 'better').map((m) => m.name), ...qualityVerdicts(r, 'better')];
  const conclusion = worse.length > 0
    ? out.color.bold(out.color.red(`REGRESSION: ${worse.join(', ')} worse`))
    : !r.sufficiency.sufficient
      ? out.color.bold(out.color.yellow(`INSUFFICIENT DATA: ${r.sufficiency.missing.join('; ')}`))
    : better.length > 0
      ? out.color.green(`no regression; better: ${better.join(', ')}`)
      : 'no regression';
  lines.push('', conclusion);
  return `${lines.join('\n')}\n`;
}
