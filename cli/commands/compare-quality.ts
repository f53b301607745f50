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

type Group = NonNullable<CompareResult['breakdown']>['groups'][number];

/** The breakdown's main feedback: the comparison's numeric and boolean names, at most three. */
const MAIN_FEEDBACK = 3;

/**
 * A breakdown group's cost per request and main feedback rates, as table cells ("baseline →
 * candidate", with the verdict when it is one).
 */
export function groupQualityCells(r: CompareResult, g: Group, out: Output): Record<string, Cell> {
  const cells: Record<string, Cell> = {};
  const judged = (text: string, v: string) => (v === 'better' || v === 'worse' ? `${text} (${painted(verdict(v, out))})` : text);
  if (r.cost.baseline.llmCalls > 0 || r.cost.candidate.llmCalls > 0) {
    cells['cost/request'] = judged(`${usd(g.cost.baseline.perRequestUsd) || '–'} → ${usd(g.cost.candidate.perRequestUsd) || '–'}`, g.cost.verdict);
  }
  for (const main of r.quality.filter((m) => m.type !== 'categorical').slice(0, MAIN_FEEDBACK)) {
    const m = g.quality.find((q) => q.name === main.name);
    const show = (v: number | null | undefined) => (v === null || v === undefined ? '–' : main.type === 'boolean' ? percent(v, 1) : v.toPrecision(3));
    cells[main.name] = m ? judged(`${show(m.baseline.value)} → ${show(m.candidate.value)}`, m.verdict) : '';
  }
  return cells;
}

/** Names of the feedback metrics and cost with this verdict, for the conclusion line. */
export function qualityVerdicts(r: CompareResult, which: 'worse' | 'better'): string[] {
  return [...r.quality.filter((m) => m.verdict === which).map((m) => `feedback.${m.name}`), ...(r.cost.verdict === which ? ['costPerRequest'] : [])];
}
