// Wraps the real exporter to know which spans have left the batch processor but are not yet acknowledged.
// On process exit those spans would die with the process; the exit path asks this wrapper for them, and for
// whatever the batch processor still buffers, and delivers them synchronously.

import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface ExportCounts {
  /** Spans the collector acknowledged. */
  exported: number;
  /** Spans in batches the exporter gave up on (after its own retries). */
  failed: number;
}

export interface TrackingExporter extends SpanExporter {
  /**
   * From now on, batches handed to export() are kept, not sent, and never called back: the process is
   * exiting and the caller delivers them itself through takeUnacknowledged().
   */
  startCapture(): void;
  /** Spans in flight plus spans captured since startCapture(); each span is returned once. */
  takeUnacknowledged(): ReadableSpan[];
  counts(): ExportCounts;
}

export function trackingExporter(inner: SpanExporter): TrackingExporter {
  const inFlight = new Set<ReadableSpan[]>();
  let captured: ReadableSpan[][] | undefined;
  const counts: ExportCounts = { exported: 0, failed: 0 };

  return {
    export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
      if (captured) {
        captured.push(spans);
        return;
      }
      inFlight.add(spans);
      inner.export(spans, (result) => {
        inFlight.delete(spans);
        if (result.code === ExportResultCode.SUCCESS) counts.exported += spans.length;
        else counts.failed += spans.length;
        resultCallback(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    startCapture(): void {
      captured ??= [];
    },
    takeUnacknowledged(): ReadableSpan[] {
      const batches = [...inFlight, ...(captured ?? [])];
      inFlight.clear();
      if (captured) captured = [];
      return batches.flat();
    },
    counts: () => ({ ...counts }),
  };
}
