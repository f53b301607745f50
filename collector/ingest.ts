// What every receiver does with one export request, whatever the transport: turn it into rows
// (rejecting bad spans one by one), hand the rows to the sink and wait until they are stored.
// Protobuf bodies are encoded straight from their bytes; JSON goes through the decoded model.
import type { ExportTraceServiceRequest } from './otlp/model.js';
import type { PartialSuccess } from './otlp/responses.js';
import { OverloadedError, QueueWriteError } from './queue/errors.js';
import { decodeTraceRequestProtobuf, type DecodeOptions } from './otlp/protobuf-decoder.js';
import { encodeProtobufSpanRows } from './encode/wire-rows.js';
import type { SpanSink } from './segment-inserter.js';
import { StoreUnavailableError } from '../store/errors.js';
import { encodeSpanRows, type EncodeResult, type SpanLimits } from './encode/model-rows.js';

export interface IngestCounters {
  acceptedSpans: number;
  rejectedSpans: number;
  truncatedValues: number;
  droppedAttributes: number;
}

export interface Ingestor {
  /** Stores the request's valid spans; resolves with the partial success to report, if any. */
  ingest(req: ExportTraceServiceRequest): Promise<PartialSuccess | undefined>;
  /**
   * The same for a protobuf ExportTraceServiceRequest body, encoded without the model; rejects with
   * OtlpDecodeError when the body cannot be decoded. Optional so that test doubles need only
   * `ingest`: receivers call ingestProtobuf() below, which falls back to the model decoder.
   */
  ingestProtobuf?(body: Buffer, options?: DecodeOptions): Promise<PartialSuccess | undefined>;
  counters: IngestCounters;
}

export function createIngestor(sink: SpanSink, limits: SpanLimits): Ingestor {
  const counters: IngestCounters = { acceptedSpans: 0, rejectedSpans: 0, truncatedValues: 0, droppedAttributes: 0 };
  async function store(encoded: EncodeResult): Promise<PartialSuccess | undefined> {
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
  }
  return {
    counters,
    async ingest(req) {
      return store(encodeSpanRows(req, limits));
    },
    async ingestProtobuf(body, options) {
      return store(encodeProtobufSpanRows(body, limits, options));
    },
  };
}

/** The protobuf path of every receiver (OTLP/HTTP and gRPC); rejects with OtlpDecodeError for an undecodable body. */
export async function ingestProtobuf(ingestor: Ingestor, body: Buffer, options?: DecodeOptions): Promise<PartialSuccess | undefined> {
  if (ingestor.ingestProtobuf) return ingestor.ingestProtobuf(body, options);
  return ingestor.ingest(decodeTraceRequestProtobuf(body, options));
}

/** Failures a sender should retry (HTTP 503 + Retry-After, gRPC UNAVAILABLE); never a 500. */
export function isRetryableIngestError(err: unknown): err is Error {
  return err instanceof OverloadedError || err instanceof QueueWriteError || err instanceof StoreUnavailableError;
}
