// What every receiver does with one decoded export request, whatever the transport: turn it into
// rows (rejecting bad spans one by one), hand the rows to the sink and wait until they are stored.
import type { ExportTraceServiceRequest } from './otlp/model.js';
import type { PartialSuccess } from './otlp/responses.js';
import { OverloadedError, QueueWriteError } from './durable-queue.js';
import type { SpanSink } from './segment-inserter.js';
import { StoreUnavailableError } from './store.js';
import { encodeSpanRows, type SpanLimits } from './span-rows.js';

export interface IngestCounters {
  acceptedSpans: number;
  rejectedSpans: number;
  truncatedValues: number;
  droppedAttributes: number;
}

export interface Ingestor {
  /** Stores the request's valid spans; resolves with the partial success to report, if any. */
  ingest(req: ExportTraceServiceRequest): Promise<PartialSuccess | undefined>;
  counters: IngestCounters;
}

export function createIngestor(sink: SpanSink, limits: SpanLimits): Ingestor {
  const counters: IngestCounters = { acceptedSpans: 0, rejectedSpans: 0, truncatedValues: 0, droppedAttributes: 0 };
  return {
    counters,
    async ingest(req) {
      const encoded = encodeSpanRows(req, limits);
      counters.rejectedSpans += encoded.rejected;
      counters.truncatedValues += encoded.truncatedValues;
      counters.droppedAttributes += encoded.droppedAttributes;
      await sink.write(encoded);
      counters.acceptedSpans += encoded.rows;
      if (encoded.rejected === 0) return undefined;
      const more = encoded.rejected > encoded.rejections.length ? ` (and ${encoded.rejected - encoded.rejections.length} more)` : '';
      return {
        rejectedSpans: encoded.rejected,
        errorMessage: `${encoded.rejected} span(s) rejected: ${encoded.rejections.join('; ')}${more}`,
      };
    },
  };
}

/** Failures a sender should retry (HTTP 503 + Retry-After, gRPC UNAVAILABLE); never a 500. */
export function isRetryableIngestError(err: unknown): err is Error {
  return err instanceof OverloadedError || err instanceof QueueWriteError || err instanceof StoreUnavailableError;
}
