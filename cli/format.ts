// How the CLI prints for people (aligned tables, units on numbers) and for machines (one JSON object per line).

export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function renderTable(columns: string[], rows: Record<string, unknown>[]): string {
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c]).replace(/\n/g, '\\n')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  out.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return out.join('\n') + '\n';
}

export function renderJsonLines(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

export function pct(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined ? '' : `${(v * 100).toFixed(digits)}%`;
}

export function fixed(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined ? '' : v.toFixed(digits);
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
