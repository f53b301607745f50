// OTLP/gRPC trace receiver (opentelemetry.proto.collector.trace.v1.TraceService/Export) on
// @grpc/grpc-js, with raw-byte (de)serializers so the shared protobuf decoder does the decoding and
// its errors become INVALID_ARGUMENT; status codes and partial success follow the OTLP spec.
import {
  Metadata,
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerInterceptor,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { RecordTooLargeError } from './queue/errors.js';
import { ingestProtobuf, isRetryableIngestError, type Ingestor } from './ingest.js';
import { OtlpDecodeError } from './otlp/model.js';
import type { DecodeOptions } from './otlp/protobuf-decoder.js';
import { exportResponse, GrpcCode, retryInfoStatus } from './otlp/responses.js';

export interface OtlpGrpcReceiverOptions {
  ingestor: Ingestor;
  /**
   * Largest request message accepted, compressed or not (grpc-js checks both the frame and the
   * inflated size); the same number as the HTTP receiver's decompressed body limit.
   */
  maxMessageBytes: number;
  decode?: DecodeOptions;
  /** Seconds a client is told (RetryInfo) to wait before retrying an UNAVAILABLE. */
  retryAfterSeconds?: number;
  /** Where refusals and failures are reported; the HTTP receiver's logger fits. */
  log?: ReceiverLog;
  /**
   * How long close() lets in-flight exports finish before cutting connections. An export is
   * acknowledged as soon as it is durable (milliseconds), so this only bounds how long a client
   * that never lets go of its connection can hold up shutdown.
   */
  shutdownGraceMs?: number;
  /** Run on every call before the handler, in order (API keys, response counting). */
  interceptors?: ServerInterceptor[];
  /** Export calls one connection may have open at once (HTTP/2 concurrent streams); more wait for a free one. */
  maxConcurrentRequests?: number;
}

export interface ReceiverLog {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface OtlpGrpcReceiver {
  /** Binds and starts serving; resolves with `host:port` as bound (port 0 picks a free port). */
  listen(host: string, port: number): Promise<string>;
  /** Stops taking calls and waits for in-flight exports (up to the grace period). */
  close(): Promise<void>;
}

/** Binding the gRPC port failed (in use, bad host…). */
export class GrpcListenError extends Error {
  readonly code = 'GRPC_LISTEN_FAILED';
  constructor(address: string, options: { cause: unknown }) {
    super(`cannot listen for OTLP/gRPC on ${address}: ${(options.cause as Error).message}`, options);
    this.name = 'GrpcListenError';
  }
}

export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

const identity = (bytes: Buffer): Buffer => bytes;

// No .proto file and no generated code: the method is declared by path, and request and response
// travel as raw bytes, decoded and encoded by the same code the HTTP receiver uses.
const TRACE_SERVICE: ServiceDefinition = {
  Export: {
    path: TRACE_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

const SILENT_LOG: ReceiverLog = { warn() {}, error() {} };

/** `host:port` as clients write it (IPv6 literals in brackets). */
export function grpcAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function createOtlpGrpcReceiver(options: OtlpGrpcReceiverOptions): OtlpGrpcReceiver {
  const log = options.log ?? SILENT_LOG;
  const retryAfter = options.retryAfterSeconds ?? 2;
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    // Connections whose peer vanished (or never answers) are found by pings and dropped, so they
    // do not pile up; the HTTP receiver has socket timeouts for the same reason.
    'grpc.keepalive_time_ms': 120_000,
    'grpc.keepalive_timeout_ms': 20_000,
    // Bounded work in flight, as on OTLP/HTTP: a client cannot make the process buffer any number
    // of messages at once (each up to maxMessageBytes).
    ...(options.maxConcurrentRequests ? { 'grpc.max_concurrent_streams': options.maxConcurrentRequests } : {}),
    interceptors: options.interceptors ?? [],
  });

  function fail(callback: sendUnaryData<Buffer>, code: number, details: string, metadata?: Metadata): void {
    callback({ code, details, metadata });
  }

  async function exportTraces(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): Promise<void> {
    let partial;
    try {
      partial = await ingestProtobuf(options.ingestor, call.request, options.decode);
    } catch (err) {
      if (err instanceof OtlpDecodeError) {
        return fail(callback, GrpcCode.INVALID_ARGUMENT, `cannot decode ExportTraceServiceRequest: ${err.message}`);
      }
      // No RetryInfo: the same request can never fit, so exporters must not retry it.
      if (err instanceof RecordTooLargeError) return fail(callback, GrpcCode.RESOURCE_EXHAUSTED, err.message);
      if (isRetryableIngestError(err)) {
        log.warn({ err: err.message, transport: 'grpc' }, 'ingest refused, client asked to retry');
        const message = `spans not stored, retry later: ${err.message}`;
        const trailer = new Metadata();
        trailer.set('grpc-status-details-bin', retryInfoStatus(GrpcCode.UNAVAILABLE, message, retryAfter));
        return fail(callback, GrpcCode.UNAVAILABLE, message, trailer);
      }
      throw err;
    }
    callback(null, exportResponse('protobuf', partial));
  }

  server.addService(TRACE_SERVICE, {
    Export(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) {
      exportTraces(call, callback).catch((err: Error) => {
        log.error({ err, transport: 'grpc' }, 'OTLP/gRPC export failed');
        fail(callback, GrpcStatus.INTERNAL, err.message);
      });
    },
  });

  let closing: Promise<void> | undefined;
  return {
    listen(host, port) {
      const address = grpcAddress(host, port);
      return new Promise((resolve, reject) => {
        server.bindAsync(address, ServerCredentials.createInsecure(), (err, boundPort) => {
          if (err) reject(new GrpcListenError(address, { cause: err }));
          else resolve(grpcAddress(host, boundPort));
        });
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        // A client that keeps a stream open must not hold the collector's shutdown forever.
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, options.shutdownGraceMs ?? 5_000);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closing;
    },
  };
}
