// Which spans can become rows, and the words a sender reads when one cannot: the one validation
// both encoders apply, model-rows.ts to a decoded span and wire-rows.ts to a span's byte offsets,
// so the two paths reject the same spans with the same partial-success messages.

/** What validation needs to know of a span, found by each encoder its own way (cheaply). */
export interface SpanShape {
  traceIdLength: number;
  /** Read only when traceIdLength is 16. */
  traceIdAllZero: boolean;
  spanIdLength: number;
  /** Read only when spanIdLength is 8. */
  spanIdAllZero: boolean;
  parentSpanIdLength: number;
  /** start_time_unix_nano is absent or 0. The two below are read only when it is not. */
  startMissing: boolean;
  /** The start or the end time is past MAX_TIMESTAMP_NS (schema/otel-traces.ts: the year 2262). */
  beyondInt64: boolean;
  /** end_time_unix_nano < start_time_unix_nano; an absent end time is 0. */
  endBeforeStart: boolean;
}

/** Partial-success messages name at most this many rejected spans. */
export const MAX_REJECTION_MESSAGES = 5;

/** One per encoder, refilled for every span (validation allocates nothing). */
export function createSpanShape(): SpanShape {
  return {
    traceIdLength: 0,
    traceIdAllZero: false,
    spanIdLength: 0,
    spanIdAllZero: false,
    parentSpanIdLength: 0,
    startMissing: false,
    beyondInt64: false,
    endBeforeStart: false,
  };
}

/** Why the span cannot be stored, or undefined. The first failing check names it, in this order. */
export function spanProblem(s: SpanShape): string | undefined {
  if (s.traceIdLength !== 16 || s.traceIdAllZero) {
    return `invalid trace_id: expected 16 bytes, not all zero (got ${s.traceIdLength} bytes)`;
  }
  if (s.spanIdLength !== 8 || s.spanIdAllZero) {
    return `invalid span_id: expected 8 bytes, not all zero (got ${s.spanIdLength} bytes)`;
  }
  if (s.parentSpanIdLength !== 0 && s.parentSpanIdLength !== 8) {
    return `invalid parent_span_id: expected empty or 8 bytes (got ${s.parentSpanIdLength} bytes)`;
  }
  if (s.startMissing) return 'start_time_unix_nano is missing';
  if (s.beyondInt64) return 'timestamp beyond the year 2262 cannot be stored';
  if (s.endBeforeStart) return 'end_time_unix_nano is before start_time_unix_nano';
  return undefined;
}

/** True when bytes[start, start + length) are all zero (an unset id). */
export function allZero(bytes: Uint8Array, start: number, length: number): boolean {
  for (let i = start; i < start + length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Keeps the first MAX_REJECTION_MESSAGES reasons, each naming where the span sits in the request. */
export function recordRejection(rejections: string[], ri: number, si: number, pi: number, problem: string): void {
  if (rejections.length < MAX_REJECTION_MESSAGES) rejections.push(`resourceSpans[${ri}].scopeSpans[${si}].spans[${pi}]: ${problem}`);
}
