// What every receiver does with one decoded export request, whatever the transport: turn it into
// rows (rejecting bad spans one by one), hand the rows to the sink and wait until they are stored.
import type { ExportTraceServiceRequest } from './otlp/model.js';
import type { PartialSuccess } from './otlp/responses.js';
import type { SpanSink } from './batch-writer.js';
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
