// The logs counterpart of ingest.ts: one ExportLogsServiceRequest body, whatever the transport,
// decoded, its records validated one by one, appended to the logs' own durable queue, answered
// with one export outcome (acknowledged only once on disk; bad records through partial success).
import { encodeLogRows } from './encode/log-rows.js';
import { accepted, failed, LOGS } from './export-outcome.js';
import type { IngestCounters, IngestOptions, Ingestor, RowSink } from './ingest.js';
import { decodeLogsRequestJson, decodeLogsRequestProtobuf } from './otlp/logs-decoder.js';

export function createLogsIngestor(sink: RowSink, options: IngestOptions): Ingestor {
  // Named as for spans so that metrics can share the shape; here they count log records.
  const counters: IngestCounters = { acceptedSpans: 0, rejectedSpans: 0, truncatedValues: 0, droppedAttributes: 0 };
  const limits = { maxAttributesPerSpan: options.maxAttributesPerSpan, maxAttributeValueLength: options.maxAttributeValueLength };
  return {
    counters,
    async export(body, encoding) {
      try {
        const request = encoding === 'json' ? decodeLogsRequestJson(body, options.decode) : decodeLogsRequestProtobuf(body, options.decode);
        const encoded = encodeLogRows(request, limits);
        if (encoded.rows > 0) await sink.append(encoded);
        counters.acceptedSpans += encoded.rows;
        counters.rejectedSpans += encoded.rejected;
        counters.truncatedValues += encoded.truncatedValues;
        counters.droppedAttributes += encoded.droppedAttributes;
        if (encoded.rejected === 0) return accepted();
        return accepted({
          rejectedSpans: encoded.rejected,
          errorMessage: `${encoded.rejected} log record(s) rejected: ${encoded.rejections.join('; ')}`,
          jsonField: 'rejectedLogRecords',
        });
      } catch (err) {
        const outcome = failed(err, LOGS);
        if (outcome) return outcome;
        throw err;
      }
    },
  };
}
