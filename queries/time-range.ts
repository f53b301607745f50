// Time ranges for the questions: `from`/`to` as ISO 8601, epoch milliseconds, `now`, or a relative
// age (`30d`, `12h`, `15m`, `90s`, `2w` = that long before now), and the automatic bucket size for
// series (error rate over time, deployments).
import { QueryInputError } from './run-query.js';

export interface TimeRange {
  /** Inclusive, epoch milliseconds. */
  fromMs: number;
  /** Exclusive, epoch milliseconds. */
  toMs: number;
}

/** Far enough in the future to mean "no upper bound", still inside DateTime's range (rollup time columns). */
export const UNBOUNDED_TO_MS = Date.UTC(2100, 0, 1);

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses one bound; `name` is only for the error message. */
export function parseTime(text: string, name: string, now = Date.now()): number {
  const t = text.trim();
  if (t === 'now') return now;
  const relative = /^(\d+)([smhdw])$/.exec(t);
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]];
  if (/^\d{10,}$/.test(t)) return Number(t);
  // A date or date-time without a zone is read as UTC, like everything else in Verdict.
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(t) ? t : `${t}Z`;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) {
    throw new QueryInputError(`${name} must be an ISO 8601 time, epoch milliseconds, "now" or an age like 30d / 12h / 15m, got ${JSON.stringify(text)}`);
  }
  return ms;
}

export function parseTimeRange(from: string | undefined, to: string | undefined, now = Date.now()): TimeRange {
  const range = {
    fromMs: from ? parseTime(from, 'from', now) : 0,
    toMs: to ? parseTime(to, 'to', now) : UNBOUNDED_TO_MS,
  };
  if (range.fromMs >= range.toMs) throw new QueryInputError('from must be before to');
  return range;
}

/** Bucket sizes a series may use, in seconds: whole minutes, so rollup and raw buckets line up. */
export const BUCKET_SECONDS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400] as const;

/** The smallest listed bucket that splits the range into at most `maxBuckets` buckets. */
export function autoBucketSeconds(range: TimeRange, maxBuckets = 200): number {
  const seconds = Math.max(1, (range.toMs - range.fromMs) / 1000);
  for (const b of BUCKET_SECONDS) if (seconds / b <= maxBuckets) return b;
  return BUCKET_SECONDS[BUCKET_SECONDS.length - 1];
}

/** Floors `fromMs` and ceils `toMs` to whole multiples of `seconds` (epoch-aligned, as toStartOfInterval does). */
export function alignRange(range: TimeRange, seconds: number): TimeRange {
  const step = seconds * 1000;
  return { fromMs: Math.floor(range.fromMs / step) * step, toMs: Math.ceil(range.toMs / step) * step };
}

export function isAligned(range: TimeRange, seconds: number): boolean {
  const step = seconds * 1000;
  return range.fromMs % step === 0 && range.toMs % step === 0;
}
