// One call that instruments the process: detects the resource, builds a NodeTracerProvider with Verdict's span
// processor, and registers it globally with the async-hooks context manager and W3C propagators, so every
// `trace.getTracer()` in the app (and in OTel instrumentations) reports to Verdict.

import { DiagConsoleLogger, ProxyTracerProvider, diag, trace } from '@opentelemetry/api';
import { diagLogLevelFromString } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { InstrumentationError } from './errors.js';
import { registerVersion, type RegisterVersionInfo } from './register-version.js';
import { verdictResource, type VerdictResourceOptions } from './resource-detector.js';
import { verdictSpanProcessor, type SpanExportStats, type VerdictSpanProcessorOptions } from './span-processor.js';

export interface StartVerdictOptions extends VerdictResourceOptions, VerdictSpanProcessorOptions {
  /** The app's own processors, run after Verdict's (which has stamped the attributes by then). */
  spanProcessors?: SpanProcessor[];
  /** Default: from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, else parent-based always-on. */
  sampler?: Sampler;
  /** Registers this version's parameters, prompts and configuration with the registry at start (registerVersion). */
  register?: RegisterVersionInfo;
}

export interface VerdictInstrumentation {
  readonly enabled: boolean;
  readonly resource?: Resource;
  readonly provider?: NodeTracerProvider;
  forceFlush(): Promise<void>;
  /** Spans ended, exported and failed so far; see SpanExportStats. */
  stats(): SpanExportStats;
  /** Flushes, stops exporting and removes the exit hooks. */
  shutdown(): Promise<void>;
}

let started: VerdictInstrumentation | undefined;

/**
 * Instruments the process once. Honours OTEL_SDK_DISABLED=true by returning a disabled handle. Throws
 * ALREADY_STARTED on a second call and OTEL_ALREADY_REGISTERED when another OTel SDK owns the global tracer
 * provider — compose with `verdictResource()` and `verdictSpanProcessor()` there instead.
 */
export function startVerdict(options: StartVerdictOptions = {}): VerdictInstrumentation {
  if (started) {
    throw new InstrumentationError('ALREADY_STARTED', 'Verdict instrumentation is already started in this process');
  }
  const env = options.env ?? process.env;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') {
    started = {
      enabled: false,
      forceFlush: () => Promise.resolve(),
      stats: () => ({ ended: 0, exported: 0, failed: 0, unaccounted: 0 }),
      shutdown: () => Promise.resolve(),
    };
    return started;
  }
  const logLevel = diagLogLevelFromString(env.OTEL_LOG_LEVEL);
  if (logLevel !== undefined) diag.setLogger(new DiagConsoleLogger(), { logLevel });
  const current = trace.getTracerProvider();
  if (!(current instanceof ProxyTracerProvider) || current.getDelegateTracer('verdict') !== undefined) {
    throw new InstrumentationError(
      'OTEL_ALREADY_REGISTERED',
      'another OpenTelemetry SDK already registered a global tracer provider; add verdictResource() and ' +
        'verdictSpanProcessor() to it instead of starting Verdict',
    );
  }

  const resource = verdictResource(options);
  const processor = verdictSpanProcessor(options);
  const provider = new NodeTracerProvider({
    resource,
    ...(options.sampler ? { sampler: options.sampler } : {}),
    spanProcessors: [processor, ...(options.spanProcessors ?? [])],
  });
  provider.register();
  if (options.register) registerVersion(options.register, provider.getTracer('verdict-registry'));
  started = {
    enabled: true,
    resource,
    provider,
    forceFlush: () => provider.forceFlush(),
    stats: () => processor.stats(),
    shutdown: () => provider.shutdown(),
  };
  return started;
}
