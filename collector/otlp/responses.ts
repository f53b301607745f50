// Builds OTLP responses in the request's encoding: ExportTraceServiceResponse (with partial
// success) on success, google.rpc.Status on failure. Tiny hand-written protobuf writer: the two
// messages have three scalar fields between them.

export type OtlpEncoding = 'protobuf' | 'json';

export interface PartialSuccess {
  /** Rejected items (field 1 of every signal's partial success: spans, log records). */
  rejectedSpans: number;
  errorMessage: string;
  /** The count's OTLP/JSON name when the items are not spans (logs: rejectedLogRecords). */
  jsonField?: string;
}

/** gRPC status codes used in google.rpc.Status bodies and by the gRPC receiver. */
export const GrpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
  PERMISSION_DENIED: 7,
} as const;

export function exportResponse(encoding: OtlpEncoding, partial?: PartialSuccess): Buffer {
  if (encoding === 'json') {
    const body = partial
      ? { partialSuccess: { [partial.jsonField ?? 'rejectedSpans']: String(partial.rejectedSpans), errorMessage: partial.errorMessage } }
      : {};
    return Buffer.from(JSON.stringify(body));
  }
  if (!partial) return Buffer.alloc(0);
  const inner = Buffer.concat([varintField(1, partial.rejectedSpans), stringField(2, partial.errorMessage)]);
  return lengthDelimited(1, inner);
}

export function statusBody(encoding: OtlpEncoding, code: number, message: string): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message }));
  return Buffer.concat([varintField(1, code), stringField(2, message)]);
}

/**
 * google.rpc.Status carrying a google.rpc.RetryInfo detail: the gRPC counterpart of Retry-After,
 * sent as the `grpc-status-details-bin` trailer with UNAVAILABLE so exporters that honour it
 * (the upstream collector's, Go's) wait that long before retrying.
 */
export function retryInfoStatus(code: number, message: string, retryDelaySeconds: number): Buffer {
  const duration = varintField(1, retryDelaySeconds);
  const retryInfo = lengthDelimited(1, duration);
  const any = Buffer.concat([stringField(1, 'type.googleapis.com/google.rpc.RetryInfo'), lengthDelimited(2, retryInfo)]);
  return Buffer.concat([varintField(1, code), stringField(2, message), lengthDelimited(3, any)]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

function varintField(field: number, n: number): Buffer {
  return n === 0 ? Buffer.alloc(0) : Buffer.concat([varint(field << 3), varint(n)]);
}

function stringField(field: number, s: string): Buffer {
  return s === '' ? Buffer.alloc(0) : lengthDelimited(field, Buffer.from(s, 'utf8'));
}

function lengthDelimited(field: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}
