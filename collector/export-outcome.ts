// One export request's outcome, whatever the transport: the HTTP status, the gRPC code, whether
// the sender may retry, the message, and any partial success. Computed once here from what
// happened; the OTLP/HTTP and OTLP/gRPC receivers only serialise it (as otelcol's otlpreceiver
// maps one error to both statuses in one table).
import { OtlpDecodeError } from './otlp/model.js';
import { GrpcCode, type PartialSuccess } from './otlp/responses.js';
import { OverloadedError, QueueWriteError, RecordTooLargeError } from './queue/errors.js';
import { BodyTooLargeError, CorruptBodyError, UnsupportedEncodingError } from './request-body.js';
import { StoreUnavailableError } from '../store/errors.js';

export interface ExportOutcome {
  httpStatus: number;
  grpcCode: number;
  /** The sender should try again later (HTTP Retry-After, gRPC RetryInfo). */
  retryable: boolean;
  /** Why it failed; '' on success. */
  message: string;
  partialSuccess?: PartialSuccess;
}

/** What the receivers name in messages: the signal's items and its request message. */
export interface SignalNames {
  /** `spans` */
  items: string;
  /** `ExportTraceServiceRequest` */
  request: string;
}

export const TRACES: SignalNames = { items: 'spans', request: 'ExportTraceServiceRequest' };
export const LOGS: SignalNames = { items: 'log records', request: 'ExportLogsServiceRequest' };

type Status = Pick<ExportOutcome, 'httpStatus' | 'grpcCode' | 'retryable'>;

const INVALID: Status = { httpStatus: 400, grpcCode: GrpcCode.INVALID_ARGUMENT, retryable: false };
const TOO_LARGE: Status = { httpStatus: 413, grpcCode: GrpcCode.RESOURCE_EXHAUSTED, retryable: false };
const UNSUPPORTED: Status = { httpStatus: 415, grpcCode: GrpcCode.INVALID_ARGUMENT, retryable: false };
const UNAVAILABLE: Status = { httpStatus: 503, grpcCode: GrpcCode.UNAVAILABLE, retryable: true };
const BUSY: Status = { httpStatus: 429, grpcCode: GrpcCode.RESOURCE_EXHAUSTED, retryable: true };

/**
 * The status table: each failure an export can meet, and how it is answered. A request larger than
 * the whole queue is 413 without a retry hint: no retry could ever fit it.
 */
const FAILURES: ReadonlyArray<{ error: abstract new (...args: never[]) => Error; status: Status; message(err: Error, signal: SignalNames): string }> = [
  { error: OtlpDecodeError, status: INVALID, message: (err, s) => `cannot decode ${s.request}: ${err.message}` },
  { error: CorruptBodyError, status: INVALID, message: (err) => err.message },
  { error: BodyTooLargeError, status: TOO_LARGE, message: (err) => err.message },
  { error: RecordTooLargeError, status: TOO_LARGE, message: (err) => err.message },
  { error: UnsupportedEncodingError, status: UNSUPPORTED, message: (err) => err.message },
  { error: OverloadedError, status: UNAVAILABLE, message: (err, s) => `${s.items} not stored, retry later: ${err.message}` },
  { error: QueueWriteError, status: UNAVAILABLE, message: (err, s) => `${s.items} not stored, retry later: ${err.message}` },
  { error: StoreUnavailableError, status: UNAVAILABLE, message: (err, s) => `${s.items} not stored, retry later: ${err.message}` },
];

export function accepted(partialSuccess?: PartialSuccess): ExportOutcome {
  return { httpStatus: 200, grpcCode: GrpcCode.OK, retryable: false, message: '', ...(partialSuccess ? { partialSuccess } : {}) };
}

/** The outcome of a failure, or undefined for one nobody expected (a bug: HTTP 500, gRPC INTERNAL). */
export function failed(err: unknown, signal: SignalNames): ExportOutcome | undefined {
  for (const f of FAILURES) if (err instanceof f.error) return { ...f.status, message: f.message(err, signal) };
  return undefined;
}

/** Refused before the body is read: a missing (401) or wrong (403) key. */
export function refusedAccess(status: 401 | 403, message: string): ExportOutcome {
  return { httpStatus: status, grpcCode: status === 401 ? GrpcCode.UNAUTHENTICATED : GrpcCode.PERMISSION_DENIED, retryable: false, message };
}

/** Refused before the body is read: too many requests in flight. */
export function refusedBusy(limit: number): ExportOutcome {
  return { ...BUSY, message: `too many concurrent export requests (limit ${limit}), retry later` };
}

/**
 * A request the transport's framing does not allow (a unary gRPC call with no message or two, a
 * message that does not inflate, an unreadable grpc-timeout): the sender's bug, not retryable.
 */
export function malformedRequest(message: string): ExportOutcome {
  return { ...INVALID, message };
}

/** An HTTP body in a content type OTLP does not define. */
export function unsupportedContentType(contentType: string | undefined): ExportOutcome {
  return {
    ...UNSUPPORTED,
    message: `unsupported Content-Type ${JSON.stringify(contentType ?? '')}: use application/x-protobuf or application/json`,
  };
}

/** Whether an outcome is a success (possibly partial). */
export function isAccepted(outcome: ExportOutcome): boolean {
  return outcome.grpcCode === GrpcCode.OK;
}
