// The span processors. contextAttributesSpanProcessor stamps the context-scoped attributes on each span as it
// starts; verdictSpanProcessor adds the export to Verdict (batched, spec defaults) and the flush on exit. Both
// can join any NodeTracerProvider or NodeSDK next to the app's own processors.

import { TraceFlags, type Context } from '@opentelemetry/api';
import {
  BatchSpanProcessor,
  type BufferConfig,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_APP_VERSION } from './attribute-keys.js';
import { getActiveVersion, scopedEntries } from './context-attributes.js';
import { DEFAULT_EXIT_DELIVERY_TIMEOUT_MS, deliverSpansSync } from './exit-delivery.js';
import { createExporter, resolveExportConfig, type ExportConfig, type ExportOptions } from './exporter-from-env.js';
import { installExitFlush, type ExitFlushOptions } from './flush-on-exit.js';
import { linkLocalRoot } from './local-roots.js';
import { trackingExporter } from './tracking-exporter.js';

export interface VerdictSpanProcessorOptions extends ExportOptions, ExitFlushOptions {
  /**
   * Export through this exporter instead of the one the OTEL_* variables describe. `null`: stamp attributes
   * only (when another processor of the app already exports to a collector). On process.exit() and crashes,
   * spans of a custom exporter cannot be delivered synchronously; beforeExit and signals still flush them.
   */
  exporter?: SpanExporter | null;
  /** Batch settings; unset fields come from OTEL_BSP_* or the specification's defaults. */
  batch?: BufferConfig;
  /** Flush on beforeExit, exit, SIGTERM and SIGINT. Default true. */
  flushOnExit?: boolean;
  /** Upper bound for the synchronous delivery during 'exit'. Default 2000 ms. */
  exitDeliveryTimeoutMs?: number;
}

export interface SpanExportStats {
  /** Sampled spans that ended, i.e. were offered to the batch processor. */
  ended: number;
  /** Spans the collector acknowledged. */
  exported: number;
  /** Spans in batches the exporter gave up on. */
  failed: number;
  /** ended − exported − failed: still queued or in flight, or dropped by a full queue (OTEL_BSP_MAX_QUEUE_SIZE). */
  unaccounted: number;
}

export interface VerdictSpanProcessor extends SpanProcessor {
  /** Counts since start; after forceFlush(), `unaccounted` is what the full queue dropped. */
  stats(): SpanExportStats;
}

/** Stamps scoped attributes and links spans to their local root; exports nothing. */
export function contextAttributesSpanProcessor(): SpanProcessor {
  return {
    onStart: stampSpan,
    onEnd: () => undefined,
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

/** Stamps scoped attributes and exports to Verdict (or `options.exporter`) through a BatchSpanProcessor. */
export function verdictSpanProcessor(options: VerdictSpanProcessorOptions = {}): VerdictSpanProcessor {
  let config: ExportConfig | undefined;
  let exporter: SpanExporter | undefined;
  if (options.exporter === undefined) {
    config = resolveExportConfig(options);
    exporter = createExporter(config);
  } else {
    exporter = options.exporter ?? undefined;
  }
  if (!exporter) {
    return { ...contextAttributesSpanProcessor(), stats: () => ({ ended: 0, exported: 0, failed: 0, unaccounted: 0 }) };
  }

  const tracked = trackingExporter(exporter);
  // A copy: BatchSpanProcessor writes its OTEL_BSP_* fallbacks into the object it is given.
  const batch = new BatchSpanProcessor(tracked, { ...options.batch });
  let endedSinceFlush = 0;
  let ended = 0;
  const flush = (): Promise<void> => {
    endedSinceFlush = 0;
    return batch.forceFlush();
  };
  const uninstall =
    options.flushOnExit === false
      ? () => undefined
      : installExitFlush(
          {
            hasUnflushedSpans: () => endedSinceFlush > 0,
            flush,
            flushSync() {
              // forceFlush hands every buffered span to the exporter synchronously; capture them instead of
              // starting requests that the exiting process would abandon.
              tracked.startCapture();
              batch.forceFlush().catch(() => undefined);
              const pending = tracked.takeUnacknowledged();
              if (config && pending.length > 0) {
                deliverSpansSync(pending, config, options.exitDeliveryTimeoutMs ?? DEFAULT_EXIT_DELIVERY_TIMEOUT_MS);
              }
            },
          },
          options,
        );

  return {
    onStart: stampSpan,
    onEnd(span: ReadableSpan): void {
      // The batch processor ignores unsampled spans; so do the counts.
      if (span.spanContext().traceFlags & TraceFlags.SAMPLED) {
        ended++;
        endedSinceFlush++;
      }
      batch.onEnd(span);
    },
    forceFlush: flush,
    stats(): SpanExportStats {
      const { exported, failed } = tracked.counts();
      return { ended, exported, failed, unaccounted: ended - exported - failed };
    },
    async shutdown(): Promise<void> {
      uninstall();
      await batch.shutdown();
    },
  };
}

/** The hot path: runs for every span. Attributes given at span start win over scoped ones. */
function stampSpan(span: Span, parentContext: Context): void {
  const attributes = span.attributes;
  const entries = scopedEntries(parentContext);
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i]!;
    if (attributes[key] === undefined) span.setAttribute(key, value);
  }
  const version = getActiveVersion();
  if (version !== undefined && attributes[ATTR_APP_VERSION] === undefined) span.setAttribute(ATTR_APP_VERSION, version);
  linkLocalRoot(span, parentContext);
}
