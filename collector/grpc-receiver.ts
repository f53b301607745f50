// OTLP/gRPC trace receiver (opentelemetry.proto.collector.trace.v1.TraceService/Export) on
// @grpc/grpc-js. The method is the ingest's export: raw bytes in, and its one export outcome
// serialised as the call's status (with RetryInfo when the sender should retry) or a response.
import {
  Metadata,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerInterceptor,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import type { AccessDecision } from '../auth/api-keys.js';
import type { TlsMaterial } from '../auth/tls.js';
import { isAccepted, malformedRequest, refusedAccess, refusedBusy, TRACES, type ExportOutcome } from './export-outcome.js';
import type { ExportSlots } from './export-slots.js';
import { routeGrpcLogs, type GrpcLibraryLog } from './grpc-log.js';
import type { Ingestor } from './ingest.js';
import { exportResponse, retryInfoStatus } from './otlp/responses.js';

export interface OtlpGrpcReceiverOptions {
  ingestor: Ingestor;
  /** Log records (LogsService/Export): the same interceptors and guarantees, their own queue. */
  logsIngestor?: Ingestor;
  /**
   * Largest request message accepted, compressed or not (grpc-js checks both the frame and the
   * inflated size); the same number as the HTTP receiver's decompressed body limit.
   */
  maxMessageBytes: number;
  /** Seconds a client is told (RetryInfo) to wait before retrying an UNAVAILABLE. */
  retryAfterSeconds?: number;
  /** Where refusals and failures are reported, grpc-js's own messages too; the HTTP receiver's logger fits. */
  log?: ReceiverLog;
  /**
   * How long close() lets in-flight exports finish before cutting connections. An export is
   * acknowledged as soon as it is durable (milliseconds), so this only bounds how long a client
   * that never lets go of its connection can hold up shutdown.
   */
  shutdownGraceMs?: number;
  /** Run on every call before the handler, in order (response counting), before the key check. */
  interceptors?: ServerInterceptor[];
  /**
   * May the caller ingest (API keys)? Decided from the call's metadata before the message is read;
   * a refusal is UNAUTHENTICATED or PERMISSION_DENIED and the handler never runs.
   */
  authorize?(metadata: (name: string) => string | undefined): AccessDecision;
  /**
   * Export calls the process works on at once, shared with the HTTP receiver: a call beyond them is
   * answered RESOURCE_EXHAUSTED with RetryInfo before its message is read. The limit is also each
   * connection's HTTP/2 concurrent-stream limit, so one client waits instead of being refused.
   */
  slots?: ExportSlots;
  /** Serve TLS (grpcs), requiring client certificates when the material has a client CA. */
  tls?: TlsMaterial;
}

export interface ReceiverLog extends GrpcLibraryLog {
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

export const LOGS_EXPORT_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

const identity = (bytes: Buffer): Buffer => bytes;

// No .proto file and no generated code: the method is declared by path, and request and response
// travel as raw bytes, decoded and encoded by the same code the HTTP receiver uses.
const exportService = (path: string): ServiceDefinition => ({
  Export: {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
});
const TRACE_SERVICE = exportService(TRACE_EXPORT_PATH);
const LOGS_SERVICE = exportService(LOGS_EXPORT_PATH);

const SILENT_LOG: ReceiverLog = { warn() {}, error() {}, info() {}, debug() {} };

function credentialsOf(tls: TlsMaterial | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.clientCa ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.clientCa !== undefined);
}

/** `host:port` as clients write it (IPv6 literals in brackets). */
export function grpcAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function createOtlpGrpcReceiver(options: OtlpGrpcReceiverOptions): OtlpGrpcReceiver {
  const log = options.log ?? SILENT_LOG;
  // grpc-js has one logger per process: the receiver's, so nothing it prints bypasses the redaction.
  routeGrpcLogs(log);
  const retryAfter = options.retryAfterSeconds ?? 2;
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    // Connections whose peer vanished (or never answers) are found by pings and dropped, so they
    // do not pile up; the HTTP receiver has socket timeouts for the same reason.
    'grpc.keepalive_time_ms': 120_000,
    'grpc.keepalive_timeout_ms': 20_000,
    // Per connection, so one client's extra calls wait; the process-wide bound is the slots below.
    ...(options.slots ? { 'grpc.max_concurrent_streams': options.slots.limit } : {}),
    // In call order: the first wraps grpc-js's own call (so it must come first), then counting,
    // the key check, the process-wide slot, and the framing check nearest the handler.
    interceptors: [
      answerFramingFailuresAsOtlp(),
      ...(options.interceptors ?? []),
      ...(options.authorize ? [authorizeCalls(options.authorize)] : []),
      ...(options.slots ? [admitCalls(options.slots, retryAfter)] : []),
      oneMessagePerCall(),
    ],
  });

  async function exportTo(ingestor: Ingestor, call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): Promise<void> {
    const outcome = await ingestor.export(call.request, 'protobuf');
    if (isAccepted(outcome)) return callback(null, exportResponse('protobuf', outcome.partialSuccess));
    if (outcome.retryable) log.warn({ err: outcome.message, transport: 'grpc' }, 'ingest refused, client asked to retry');
    callback(statusOf(outcome, retryAfter));
  }

  const handler = (ingestor: Ingestor) => ({
    Export(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) {
      exportTo(ingestor, call, callback).catch((err: Error) => {
        log.error({ err, transport: 'grpc' }, 'OTLP/gRPC export failed');
        callback({ code: GrpcStatus.INTERNAL, details: err.message });
      });
    },
  });
  server.addService(TRACE_SERVICE, handler(options.ingestor));
  if (options.logsIngestor) server.addService(LOGS_SERVICE, handler(options.logsIngestor));

  let closing: Promise<void> | undefined;
  return {
    listen(host, port) {
      const address = grpcAddress(host, port);
      return new Promise((resolve, reject) => {
        server.bindAsync(address, credentialsOf(options.tls), (err, boundPort) => {
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

function authorizeCalls(authorize: NonNullable<OtlpGrpcReceiverOptions['authorize']>): ServerInterceptor {
  return (_method, call) =>
    new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, pass) {
            const decision = authorize((name) => metadataValue(metadata, name));
            if (decision.allowed) return pass(metadata);
            refuse(call, refusedAccess(decision.status, decision.message));
          },
        });
      },
    });
}

/** An outcome as the call's final status: RetryInfo (google.rpc.Status details) when the sender should retry. */
function statusOf(outcome: ExportOutcome, retryAfterSeconds: number): { code: number; details: string; metadata?: Metadata } {
  if (!outcome.retryable) return { code: outcome.grpcCode, details: outcome.message };
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', retryInfoStatus(outcome.grpcCode, outcome.message, retryAfterSeconds));
  return { code: outcome.grpcCode, details: outcome.message, metadata };
}

function refuse(call: Pick<ServerInterceptingCall, 'sendStatus'>, outcome: ExportOutcome, retryAfterSeconds = 0): void {
  call.sendStatus(statusOf(outcome, retryAfterSeconds));
}

/**
 * A call holds one of the process's export slots from its metadata (after the key check) to its
 * end; none free means RESOURCE_EXHAUSTED + RetryInfo before the message is read. grpc-js reports
 * every call's end, whoever answered it, as a cancel to each interceptor's listener.
 */
function admitCalls(slots: ExportSlots, retryAfterSeconds: number): ServerInterceptor {
  return (_method, call) => {
    let release: (() => void) | undefined;
    const intercepting: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, pass) {
            release = slots.take();
            if (release) return pass(metadata);
            refuse(intercepting, refusedBusy(slots.limit), retryAfterSeconds);
          },
          onCancel() {
            release?.();
          },
        });
      },
    });
    return intercepting;
  };
}

/**
 * A unary call carries exactly one message. grpc-js answers none (an empty stream, or a frame
 * shorter than its length) and a second one with UNIMPLEMENTED; OTLP's answer for a request that
 * is not well formed is INVALID_ARGUMENT, decided here before the handler would see the call.
 */
function oneMessagePerCall(): ServerInterceptor {
  return (_method, call) => {
    let messages = 0;
    let refused = false;
    const intercepting: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMessage(message, pass) {
            if (refused) return;
            if (++messages === 1) return pass(message);
            refused = true;
            refuse(intercepting, malformedRequest(`a unary call carries one ${TRACES.request}; this one carried a second`));
          },
          onReceiveHalfClose(pass) {
            if (refused) return;
            if (messages === 1) return pass();
            refused = true;
            refuse(intercepting, malformedRequest(`the call ended without a whole ${TRACES.request} (no message, or a frame shorter than its declared length)`));
          },
        });
      },
    });
    return intercepting;
  };
}

/** grpc-js's own answers to what OTLP calls INVALID_ARGUMENT, by the details it sends (grpc-js 1.14). */
const FRAMING_FAILURES: ReadonlyArray<{ code: number; details: RegExp; message(m: RegExpExecArray): string }> = [
  { code: GrpcStatus.INTERNAL, details: /^Failed to decompress message$/, message: () => 'the message does not inflate with its grpc-encoding (not valid compressed data)' },
  {
    code: GrpcStatus.INTERNAL,
    details: /^Invalid grpc-timeout value "(.*)"$/s,
    message: (m) => `grpc-timeout ${JSON.stringify(m[1].slice(0, 40))} is not a timeout: send up to 8 digits and a unit (H, M, S, m, u, n), e.g. 10S`,
  },
];

/**
 * grpc-js decides some calls below every interceptor, in the call object it hands the first one:
 * a message flagged compressed that does not inflate, and an unreadable grpc-timeout, both
 * answered INTERNAL. This wraps that object's sendStatus (the one hook there is) to answer them as
 * the status table says; tests pin the details matched, so a grpc-js upgrade that changes them fails.
 */
function answerFramingFailuresAsOtlp(): ServerInterceptor {
  return (_method, call) => {
    const send = call.sendStatus.bind(call);
    call.sendStatus = (status) => {
      for (const f of FRAMING_FAILURES) {
        const m = status.code === f.code ? f.details.exec(status.details ?? '') : null;
        if (m) {
          const outcome = malformedRequest(f.message(m));
          return send({ code: outcome.grpcCode, details: outcome.message });
        }
      }
      send(status);
    };
    return new ServerInterceptingCall(call);
  };
}

function metadataValue(metadata: Metadata, name: string): string | undefined {
  const value = metadata.get(name)[0];
  return typeof value === 'string' ? value : undefined;
}
