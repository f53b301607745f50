// Reads a request body, inflating gzip on the fly and stopping at a decompressed-size limit so a
// compressed bomb costs at most `limit` bytes of memory.
import { createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';

export class BodyTooLargeError extends Error {
  readonly code = 'BODY_TOO_LARGE';
  constructor(limit: number) {
    super(`request body exceeds the limit of ${limit} bytes (after decompression)`);
    this.name = 'BodyTooLargeError';
  }
}

export class UnsupportedEncodingError extends Error {
  readonly code = 'UNSUPPORTED_ENCODING';
  constructor(encoding: string) {
    super(`unsupported Content-Encoding ${JSON.stringify(encoding)}: send identity or gzip`);
    this.name = 'UnsupportedEncodingError';
  }
}

export class CorruptBodyError extends Error {
  readonly code = 'CORRUPT_BODY';
  constructor(message: string) {
    super(message);
    this.name = 'CorruptBodyError';
  }
}

export async function readBody(payload: Readable, contentEncoding: string | undefined, limit: number): Promise<Buffer> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  let source: Readable = payload;
  if (encoding === 'gzip' || encoding === 'x-gzip') source = payload.pipe(createGunzip());
  else if (encoding === 'deflate') source = payload.pipe(createInflate());
  else if (encoding !== 'identity' && encoding !== '') {
    payload.resume();
    throw new UnsupportedEncodingError(encoding);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        if (source !== payload) source.destroy();
        payload.resume();
        throw new BodyTooLargeError(limit);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new CorruptBodyError(`body is not valid ${encoding}: ${(err as Error).message}`);
    throw err;
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}
