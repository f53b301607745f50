// Numbers and times as the page shows them: every number with its unit (ms, %, pt, tokens, $),
// times in the viewer's time zone (UTC goes in the hover title). Pure functions with no DOM, so
// the browser tests format the API's answers with the same code and compare text for text.

/** What an empty value looks like in a table or card. */
export const NONE = '—';

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const fixedFormats = new Map<number, Intl.NumberFormat>();

/** `v` with exactly `digits` decimals and thousands separators: 1,234.5. */
export function formatNumber(v: number, digits: number): string {
  let f = fixedFormats.get(digits);
  if (!f) fixedFormats.set(digits, (f = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f.format(v);
}

const missing = (v: number | null | undefined): v is null | undefined => v === null || v === undefined || !Number.isFinite(v);

export function formatCount(v: number | null | undefined): string {
  return missing(v) ? NONE : count.format(v);
}

/** A ratio as a percentage: 0.0523 → 5.23 %. */
export function formatPercent(v: number | null | undefined, digits = 2): string {
  return missing(v) ? NONE : `${formatNumber(v * 100, digits)} %`;
}

/** Milliseconds with a precision that suits their size: 0.42 ms, 8.31 ms, 42.5 ms, 1,234 ms. */
export function formatMs(v: number | null | undefined): string {
  if (missing(v)) return NONE;
  const a = Math.abs(v);
  return `${formatNumber(v, a < 10 ? 2 : a < 100 ? 1 : 0)} ms`;
}

export function formatTokens(v: number | null | undefined): string {
  return missing(v) ? NONE : `${formatNumber(v, 1)} tokens`;
}

export function formatSpans(v: number | null | undefined): string {
  return missing(v) ? NONE : `${formatNumber(v, 2)} spans`;
}

/** Money in US dollars: small amounts keep their significant digits ($0.0042). */
export function formatUsd(v: number | null | undefined): string {
  if (missing(v)) return NONE;
  return `${v < 0 ? '−' : ''}$${formatNumber(Math.abs(v), Math.abs(v) >= 1 ? 2 : 4)}`;
}

/** A feedback score's mean (scores have no unit of their own, so it says what it is): "0.80 mean". */
export function formatScore(v: number | null | undefined): string {
  return missing(v) ? NONE : `${formatNumber(v, 2)} mean`;
}

/**
 * The units of /api/compare's metrics, and of the page's own cards beside them: usd for cost,
 * score for a numeric feedback's mean.
 */
export type MetricUnit = 'ratio' | 'ms' | 'tokens' | 'spans' | 'usd' | 'score';

export function formatMetricValue(unit: MetricUnit, v: number | null | undefined): string {
  switch (unit) {
    case 'ratio':
      return formatPercent(v);
    case 'ms':
      return formatMs(v);
    case 'tokens':
      return formatTokens(v);
    case 'spans':
      return formatSpans(v);
    case 'usd':
      return formatUsd(v);
    case 'score':
      return formatScore(v);
  }
}

const sign = (v: number) => (v > 0 ? '+' : v < 0 ? '−' : '±');

/** A difference, signed; differences of rates are percentage points, not percent. */
export function formatDelta(unit: MetricUnit, v: number | null | undefined): string {
  if (missing(v)) return NONE;
  const magnitude =
    unit === 'ratio' ? `${formatNumber(Math.abs(v) * 100, 2)} pt` : unit === 'score' ? formatNumber(Math.abs(v), 2) : formatMetricValue(unit, Math.abs(v));
  return `${sign(v)}${magnitude}`;
}

/** A relative change: 0.123 → +12.3 %. */
export function formatRelative(v: number | null | undefined): string {
  return missing(v) ? NONE : `${sign(v)}${formatNumber(Math.abs(v) * 100, 1)} %`;
}

/** p-values as people read them (as the CLI prints them): 0.042, 3.1e-7, < 1e-16. */
export function formatPValue(p: number | null | undefined): string {
  if (missing(p)) return NONE;
  if (p === 0) return '< 1e-16';
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}

let localTimes: Intl.DateTimeFormat | undefined;

/** A time in the viewer's zone and locale: "Jan 5, 2026, 9:00:00 AM". */
export function formatLocalTime(iso: string | null | undefined): string {
  if (!iso) return NONE;
  if (!localTimes) {
    const style = { dateStyle: 'medium', timeStyle: 'medium' } as const;
    try {
      localTimes = new Intl.DateTimeFormat(undefined, style);
    } catch {
      // A browser whose language tag Intl refuses (seen: "en-US@posix"): its zone still applies.
      localTimes = new Intl.DateTimeFormat('en-US', style);
    }
  }
  return localTimes.format(new Date(iso));
}

/** The same instant in UTC, for the hover title: "2026-01-05 08:00:00 UTC". */
export function formatUtc(iso: string | null | undefined): string {
  if (!iso) return NONE;
  return `${new Date(iso).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '')} UTC`;
}
