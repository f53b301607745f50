// compare's feedback metrics and cost for people: a table after the metrics, and the names that
// enter the conclusion (feedback.<name>, costPerRequest).
import type { CompareResult } from '../../queries/compare/schema.js';
import { percent, pValue, renderBareTable, usd, verdict, type Cell, type Output } from '../format.js';

const painted = (c: Cell) => (typeof c === 'string' ? c : c.paint(c.text));

export function qualityLines(r: CompareResult, out: Output): string[] {
  const lines: string[] = [];
  if (r.quality.length > 0) {
    const rows = r.quality.map((m) => {
      const show = (s: typeof m.baseline) => m.type === 'categorical'
        ? Object.entries(s.shares ?? {}).map(([k, v]) => `${k} ${percent(v, 0)}`).join(', ')
        : m.type === 'boolean' ? percent(s.value) : s.value === null ? '' : s.value.toPrecision(3);
      return {
        feedback: `${m.name} (${m.direction} is better)`,
        baseline: show(m.baseline),
        candidate: show(m.candidate),
        coverage: `${percent(m.baseline.coverage, 0)} / ${percent(m.candidate.coverage, 0)}`,
        'p-value': pValue(m.pValue),
        verdict: verdict(m.verdict, out),
      };
    });
    lines.push('', renderBareTable(Object.keys(rows[0]), rows, out));
  }
  if (r.cost.baseline.llmCalls > 0 || r.cost.candidate.llmCalls > 0) {
    lines.push('', `cost per request: ${usd(r.cost.baseline.perRequestUsd)} → ${usd(r.cost.candidate.perRequestUsd)} (total ${usd(r.cost.baseline.totalUsd)} → ${usd(r.cost.candidate.totalUsd)}), p-value ${pValue(r.cost.pValue)}: ${painted(verdict(r.cost.verdict, out))}`);
  }
  return lines;
}

/** Names of the feedback metrics and cost with this verdict, for the conclusion line. */
export function qualityVerdicts(r: CompareResult, which: 'worse' | 'better'): string[] {
  return [...r.quality.filter((m) => m.verdict === which).map((m) => `feedback.${m.name}`), ...(r.cost.verdict === which ? ['costPerRequest'] : [])];
}
