// What every receiver does with one export request, whatever the transport: decode it into rows
// (rejecting bad spans one by one), append the rows to the durable queue, and answer with one
// export outcome. Protobuf bodies are encoded straight from their bytes; JSON goes through the
// decoded model.
import { encodeSpanRows, type EncodedRows, type EncodeResult, type SpanLimits } from './encode/model-rows.js';
import { encodeProtobufSpanRows } from './encode/wire-rows.js';
import { accepted, failed, TRACES, type ExportOutcome } from './export-outcome.js';
import { decodeTraceRequestJson } from './otlp/json-decoder.js';
import type { DecodeOptions } from './otlp/protobuf-decoder.js';
import type { OtlpEncoding, PartialSuccess } from './otlp/responses.js';

export interface IngestCounters {
  acceptedSpans: number;
  rejectedSpans: number;
  truncatedValues: number;
  droppedAttributes: number;
}

/** Where accepted rows go: the durable queue, which resolves once they are on disk. */
export interface RowSink {
  append(rows: EncodedRows): Promise<void>;
}

export interface Ingestor {
  /**
   * Handles one ExportTraceServiceRequest body. Resolves with its outcome, failures included
   * (undecodable, queue full…); rejects only on an unexpected error (a bug).
   */
  export(body: Buffer, encoding: OtlpEncoding): Promise<ExportOutcome>;
  counters: IngestCounters;
}

export interface IngestOptions extends SpanLimits {
  decode?: DecodeOptions;
}

export function createIngestor(sink: RowSink, options: IngestOptions): Ingestor {
  const counters: IngestCounters = { acceptedSpans: 0, rejectedSpans: 0, truncatedValues: 0, droppedAttributes: 0 };
  const limits: SpanLimits = { maxAttributesPerSpan: options.maxAttributesPerSpan, maxAttributeValueLength: options.maxAttributeValueLength };

  async function store(encoded: EncodeResult): Promise<PartialSuccess | undefined> {
    await sink.append(encoded);
    // Counted once the request is accepted: one refused (queue full) is sent again, and would
    // otherwise count its rejected spans and cut values at every attempt.
    counters.acceptedSpans += encoded.rows;
    counters.rejectedSpans += encoded.rejected;
    counters.truncatedValues += encoded.truncatedValues;
    counters.droppedAttributes += encoded.droppedAttributes;
    if (encoded.rejected === 0) return undefined;
    const more = encoded.rejected > encoded.rejections.length ? ` (and ${encoded.rejected - encoded.rejections.length} more)` : '';
    return {
      rejectedSpans: encoded.rejected,
      errorMessage: `${encoded.rejected} span(s) rejected: ${encoded.rejections.join('; ')}${more}`,
    };
  }

  return {
    counters,
    async export(body, encoding) {
      try {
        const encoded = encoding === 'json'
          ? encodeSpanRows(decodeTraceRequestJson(body, options.decode), limits)
          : encodeProtobufSpanRows(body, limits, options.decode);
        return accepted(await store(encoded));
      } catch (err) {
        const outcome = failed(err, TRACES);
        if (outcome) return outcome;
        throw err;
      }
    },
  };
}
