// Cell formatting shared by the question commands' human-readable tables.

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
