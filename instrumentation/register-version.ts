// registerVersion(): the running app files its parameters, prompt references and configuration
// with the version registry once at start-up, MLflow's set_active_model. It sends one span through
// the app's own exporter and endpoint (so no second address or key to configure); the collector
// files it as a `registered` event (migration 042). The span's parent is a remote one that never
// arrives, so the span is never a request and changes no request count.
import { context, trace, TraceFlags, type Tracer } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';

export interface RegisterVersionInfo {
  params?: Record<string, string | number | boolean>;
  /** Prompt name → version, e.g. { system: '4' }. */
  prompts?: Record<string, string | number>;
  config?: unknown;
  note?: string;
}

/** The span name the collector's view looks for (schema/migrations/042_registry_spans.sql). */
export const REGISTER_SPAN_NAME = 'verdict.registry.register';

const strings = (o: Record<string, string | number | boolean> | undefined) => JSON.stringify(Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, String(v)])));

export function registerVersion(info: RegisterVersionInfo, tracer: Tracer = trace.getTracer('verdict-registry')): void {
  const parent = trace.setSpanContext(context.active(), {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  const span = tracer.startSpan(REGISTER_SPAN_NAME, {
    attributes: {
      'verdict.registry.params': strings(info.params),
      'verdict.registry.prompts': strings(info.prompts),
      'verdict.registry.config': info.config === undefined ? '' : JSON.stringify(info.config),
      'verdict.registry.note': info.note ?? '',
    },
  }, parent);
  span.end();
}
