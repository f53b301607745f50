// gRPC calls written by hand on one HTTP/2 stream, for what a well-behaved gRPC client would never
// send (metadata grpc-js refuses, broken framing, bad grpc-timeout), and the gRPC message framing.
import http2 from 'node:http2';
import { TRACE_EXPORT_PATH } from '../../collector/grpc-receiver.js';

/** A gRPC length-prefixed message: compressed flag, 4-byte big-endian length, payload. */
export function grpcFrame(payload: Buffer, compressed = false, declaredLength = payload.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(compressed ? 1 : 0, 0);
  head.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([head, payload]);
}

export interface RawResult {
  httpStatus?: number;
  grpcStatus?: number;
  grpcMessage?: string;
  /** grpc-status-details-bin: a google.rpc.Status (RetryInfo travels in its details). */
  statusDetails?: Buffer;
  data: Buffer;
}

export interface RawCallOptions {
  /** The request body as it goes on the wire (frames included); none sends headers only. */
  body?: Buffer;
  headers?: Record<string, string>;
  path?: string;
  /** Cancel the stream once the body is written instead of ending it. */
  resetAfterWrite?: boolean;
  /** For https: the CA that signed the server's certificate. */
  ca?: string | Buffer;
}

/** One call; resolves with the answer once the stream closes. `address` is host:port. */
export async function rawGrpcCall(address: string, opts: RawCallOptions): Promise<RawResult> {
  const session = http2.connect(`${opts.ca ? 'https' : 'http'}://${address}`, opts.ca ? { ca: opts.ca } : {});
  session.on('error', () => {});
  try {
    return await new Promise<RawResult>((resolve) => {
      const req = session.request({
        ':method': 'POST',
        ':path': opts.path ?? TRACE_EXPORT_PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...opts.headers,
      });
      const result: RawResult = { data: Buffer.alloc(0) };
      const take = (h: http2.IncomingHttpHeaders) => {
        if (h[':status']) result.httpStatus = Number(h[':status']);
        if (h['grpc-status'] !== undefined) result.grpcStatus = Number(h['grpc-status']);
        if (h['grpc-message'] !== undefined) result.grpcMessage = decodeURIComponent(String(h['grpc-message']));
        if (h['grpc-status-details-bin'] !== undefined) result.statusDetails = Buffer.from(String(h['grpc-status-details-bin']), 'base64');
      };
      req.on('response', take);
      req.on('trailers', take);
      req.on('data', (d: Buffer) => (result.data = Buffer.concat([result.data, d])));
      req.on('error', () => {});
      req.on('close', () => resolve(result));
      const body = opts.body ?? Buffer.alloc(0);
      if (opts.resetAfterWrite) req.write(body, () => req.close(http2.constants.NGHTTP2_CANCEL));
      else req.end(body);
    });
  } finally {
    session.close();
  }
}
