// recordFeedback: an assessment of a trace (MLflow's feedback or expectation), sent as a
// `gen_ai.evaluation.result` span event through the app's own tracer and exporter, so there is no
// second connection to configure. On the active span when it is the trace assessed; otherwise on a
// short `verdict.feedback` child span inside the assessed trace (a user's thumbs usually arrive
// after the request's spans ended). The collector reads the convention's attributes and Verdict's
// verdict.assessment.* ones for what the convention lacks (kind, value type, source, client id).
import { context, SpanKind, trace, TraceFlags, type AttributeValue, type Span } from '@opentelemetry/api';

export interface FeedbackOptions {
  /** The trace assessed; default: the active span's trace. */
  traceId?: string;
  /** The span assessed (with traceId); default: the active span, or none. */
  spanId?: string;
  /** HUMAN (default), LLM_JUDGE or CODE. */
  sourceType?: 'HUMAN' | 'LLM_JUDGE' | 'CODE';
  sourceId?: string;
  rationale?: string;
  /** feedback (default) or expectation (the right answer). */
  kind?: 'feedback' | 'expectation';
  /** A client id: sending the same id again is the same assessment, never counted twice. */
  id?: string;
  metadata?: Record<string, string>;
}

export class FeedbackError extends Error {
  readonly code = 'FEEDBACK_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'FeedbackError';
  }
}

const TRACER = 'verdict.feedback';

function valueAttributes(value: unknown): Record<string, AttributeValue> {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new FeedbackError('recordFeedback: value must be a finite number');
    return { 'gen_ai.evaluation.score.value': value };
  }
  if (typeof value === 'boolean') return { 'gen_ai.evaluation.score.value': value ? 1 : 0, 'gen_ai.evaluation.score.label': String(value), 'verdict.assessment.value_type': 'boolean' };
  if (typeof value === 'string') return { 'gen_ai.evaluation.score.label': value };
  return { 'verdict.assessment.value': JSON.stringify(value ?? null), 'verdict.assessment.value_type': value === null || value === undefined ? 'none' : 'json' };
}

/** Records an assessment named `name` with `value` (number, boolean, string or JSON) on a trace. */
export function recordFeedback(name: string, value: unknown, options: FeedbackOptions = {}): void {
  if (typeof name !== 'string' || name === '') throw new FeedbackError('recordFeedback: name must be a non-empty string');
  if (options.traceId !== undefined && !/^[0-9a-f]{32}$/.test(options.traceId)) throw new FeedbackError('recordFeedback: traceId must be 32 lowercase hex digits');
  const attributes: Record<string, AttributeValue> = {
    'gen_ai.evaluation.name': name,
    ...valueAttributes(value),
    'verdict.assessment.source.type': options.sourceType ?? 'HUMAN',
    ...(options.sourceId ? { 'verdict.assessment.source.id': options.sourceId } : {}),
    ...(options.rationale ? { 'gen_ai.evaluation.explanation': options.rationale } : {}),
    ...(options.kind ? { 'verdict.assessment.kind': options.kind } : {}),
    ...(options.id ? { 'verdict.assessment.id': options.id } : {}),
    ...Object.fromEntries(Object.entries(options.metadata ?? {}).map(([k, v]) => [`verdict.assessment.metadata.${k}`, v])),
  };
  const active = trace.getActiveSpan();
  const activeContext = active?.spanContext();
  if (active && activeContext && (options.traceId === undefined || options.traceId === activeContext.traceId) && active.isRecording()) {
    active.addEvent('gen_ai.evaluation.result', attributes);
    return;
  }
  const traceId = options.traceId ?? activeContext?.traceId;
  if (!traceId) throw new FeedbackError('recordFeedback: no active span, so pass the traceId of the trace assessed');
  // A child inside the assessed trace (never a root: a root span would count as a request).
  const parent = trace.setSpanContext(context.active(), {
    traceId,
    spanId: options.spanId ?? activeContext?.spanId ?? '0000000000000001',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  const span: Span = trace.getTracer(TRACER).startSpan('verdict.feedback', { kind: SpanKind.INTERNAL }, parent);
  span.addEvent('gen_ai.evaluation.result', attributes);
  span.end();
}
