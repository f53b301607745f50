// A tiny protobuf writer for tests: builds OTLP messages by hand from field numbers, so decoder
// tests do not depend on the decoder's own understanding of the schema (or on any SDK).

export type Field =
  | { n: number; varint: number | bigint }
  | { n: number; fixed64: bigint }
  | { n: number; fixed32: number }
  | { n: number; double: number }
  | { n: number; bytes: Uint8Array | string }
  | { n: number; message: Field[] };

function varint(v: number | bigint): Buffer {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return Buffer.from(out);
}

export function encode(fields: Field[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields) {
    if ('varint' in f) parts.push(varint(f.n << 3), varint(f.varint));
    else if ('fixed64' in f) {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(f.fixed64);
      parts.push(varint((f.n << 3) | 1), b);
    } else if ('double' in f) {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(f.double);
      parts.push(varint((f.n << 3) | 1), b);
    } else if ('fixed32' in f) {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(f.fixed32);
      parts.push(varint((f.n << 3) | 5), b);
    } else {
      const body = 'message' in f ? encode(f.message) : typeof f.bytes === 'string' ? Buffer.from(f.bytes, 'utf8') : Buffer.from(f.bytes);
      parts.push(varint((f.n << 3) | 2), varint(body.length), body);
    }
  }
  return Buffer.concat(parts);
}

export const hex = (s: string): Buffer => Buffer.from(s, 'hex');
