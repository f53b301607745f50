// How the CLI prints for people (tables fitted to the terminal, a unit on every number, colour for
// verdicts) and for machines (one JSON object per line, never styled or cut).
import picocolors from 'picocolors';

type Colors = ReturnType<typeof picocolors.createColors>;

/** Where people's output goes: its colours (identity functions when off) and the width rows must fit. */
export interface Output {
  color: Colors;
  /** The terminal's columns; undefined when stdout is not a terminal, and rows are then never cut. */
  width?: number;
}

/** A table cell: text, or text with a style applied after padding (so colour codes never skew widths). */
export type Cell = string | { text: string; paint: (s: string) => string };

/**
 * Colour only for a terminal, and never with NO_COLOR (set and not empty, https://no-color.org) or
 * --no-color; FORCE_COLOR (set, not "0") turns it on where no terminal is, as in tests and CI logs.
 */
export function terminalOutput(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv, colorFlag = true): Output {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  const enabled = colorFlag && !env.NO_COLOR && (Boolean(stream.isTTY) || forced);
  return { color: picocolors.createColors(enabled), width: stream.isTTY ? stream.columns || 80 : undefined };
}

/** For output that is never styled or cut (tests, --json paths). */
export const PLAIN: Output = { color: picocolors.createColors(false) };

const textOf = (c: Cell): string => (typeof c === 'string' ? c : c.text);

export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A number with an optional sign, currency and unit ("-3", "$0.0027", "7.7 ms", "5.00 %"); not "1.2.0". */
const NUMERIC = /^[-+]?\$?\d[\d,]*(\.\d+)?(e[-+]?\d+)?( [a-z%]+)?$/;

/** Cuts text to a width, marking the cut. */
function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * Widths that fit `limit`: text columns give way, widest first, down to their heading (at least 8
 * characters); numbers are never cut. The table may still overflow when even that is too wide.
 */
function fitWidths(natural: number[], headers: string[], numeric: boolean[], limit: number): number[] {
  const widths = [...natural];
  const floor = headers.map((h, i) => (numeric[i] ? natural[i] : Math.min(natural[i], Math.max(h.length, 8))));
  let overflow = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1) - limit;
  while (overflow > 0) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) if (widths[i] > floor[i] && (widest < 0 || widths[i] > widths[widest])) widest = i;
    if (widest < 0) break;
    widths[widest]--;
    overflow--;
  }
  return widths;
}

export function renderTable(columns: string[], rows: Record<string, unknown>[], out: Output = PLAIN): string {
  const cells: Cell[][] = rows.map((r) =>
    columns.map((c) => {
      const v = r[c];
      return typeof v === 'object' && v !== null && 'paint' in v ? (v as Cell) : formatCell(v).replace(/\n/g, '\\n');
    }),
  );
  const natural = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => textOf(row[i]).length)));
  const numeric = columns.map((_, i) => cells.some((row) => textOf(row[i]) !== '') && cells.every((row) => textOf(row[i]) === '' || NUMERIC.test(textOf(row[i]))));
  const widths = out.width ? fitWidths(natural, columns, numeric, out.width) : natural;
  // The last column is not padded on the right: nothing follows it (and colour would keep the spaces).
  const pad = (text: string, i: number) => (numeric[i] ? text.padStart(widths[i]) : i === columns.length - 1 ? text : text.padEnd(widths[i]));
  const line = (values: Cell[]) =>
    values
      .map((v, i) => {
        const padded = pad(cut(textOf(v), widths[i]), i);
        return typeof v === 'string' ? padded : v.paint(padded);
      })
      .join('  ')
      .trimEnd();
  const out_ = [out.color.bold(line(columns)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  out_.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return out_.join('\n') + '\n';
}

/** A table without its "(n rows)" line, for tables inside a longer report. */
export function renderBareTable(columns: string[], rows: Record<string, unknown>[], out: Output = PLAIN): string {
  return renderTable(columns, rows, out).replace(/\(\d+ rows?\)\n$/, '').trimEnd();
}

export function renderJsonLines(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

// ---- numbers with their units -------------------------------------------------------------------

/** A ratio as a percentage: 0.05 → "5.00 %". */
export function percent(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined ? '' : `${(v * 100).toFixed(digits)} %`;
}

/** A difference of ratios, in percentage points: 0.1 → "10.00 pt". */
export function points(v: number | null | undefined): string {
  return v === null || v === undefined ? '' : `${(v * 100).toFixed(2)} pt`;
}

/** Milliseconds: "7.7 ms". */
export function ms(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined ? '' : `${v.toFixed(digits)} ms`;
}

/** Seconds: "12.3 s". */
export function seconds(v: number | null | undefined): string {
  return v === null || v === undefined ? '' : `${v.toFixed(1)} s`;
}

/** A number with a unit word: "1000.0 tokens". */
export function amount(v: number | null | undefined, unit: string, digits = 1): string {
  return v === null || v === undefined ? '' : `${v.toFixed(digits)} ${unit}`;
}

/** A git commit as people read it: its first 12 characters. */
export function commit(sha: string): string {
  return sha.slice(0, 12);
}

/** ISO time without milliseconds: 2026-01-05T20:00:00Z. */
export function time(iso: string | null | undefined): string {
  return iso ? iso.replace(/\.\d{3}Z$/, 'Z') : '';
}

/** p-values as people read them: 0.042, 3.1e-7, < 1e-16. */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined) return '';
  if (p === 0) return '< 1e-16';
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}

/** A verdict word in its colour: worse red, better green, the rest dim. */
export function verdict(word: string, out: Output): Cell {
  const paint = word === 'worse' ? (s: string) => out.color.bold(out.color.red(s)) : word === 'better' ? out.color.green : out.color.dim;
  return { text: word, paint };
}

/** Dollars: "$0.00271" below a cent (three significant digits), else "$1.2345". */
export function usd(v: number | null | undefined): string {
  return v === null || v === undefined ? '' : `$${Math.abs(v) < 0.01 ? v.toPrecision(3) : v.toFixed(4)}`;
}
