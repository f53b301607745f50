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

/** A length-delimited field's tag and length, without its body: for building deep nests linearly. */
export function lengthPrefix(n: number, length: number): Buffer {
  return Buffer.concat([varint((n << 3) | 2), varint(length)]);
}

/**
 * `depth` levels of nesting around `leaf`, each level's prefix made by `level` from the length of what it wraps.
 * Built in one pass: wrapping a growing buffer level by level copies it each time (quadratic at 20,000 levels).
 */
export function nest(leaf: Buffer, depth: number, level: (innerLength: number) => Buffer): Buffer {
  const prefixes: Buffer[] = [];
  let length = leaf.length;
  for (let i = 0; i < depth; i++) {
    const prefix = level(length);
    prefixes.push(prefix);
    length += prefix.length;
  }
  return Buffer.concat([...prefixes.reverse(), leaf]);
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

/** A minimal span (ids, name, 500 ms from 2023-11-14T22:13:20Z) as ScopeSpans field 2. */
export function protoSpan(traceId: string, spanId: string, name: string): Field {
  return {
    n: 2,
    message: [
      { n: 1, bytes: hex(traceId) },
      { n: 2, bytes: hex(spanId) },
      { n: 5, bytes: name },
      { n: 7, fixed64: 1_700_000_000_000_000_000n },
      { n: 8, fixed64: 1_700_000_000_500_000_000n },
    ],
  };
}

/** An ExportTraceServiceRequest: one resource with service.name `service`, one scope holding `spans`. */
export function protoExportRequest(service: string, spans: Field[]): Buffer {
  const resource: Field = { n: 1, message: [{ n: 1, message: [{ n: 1, bytes: 'service.name' }, { n: 2, message: [{ n: 1, bytes: service }] }] }] };
  return encode([{ n: 1, message: [resource, { n: 2, message: spans }] }]);
}

/**
 * Top-level varint and length-delimited fields of a message (last value wins), read without the
 * collector's decoder: enough for responses (ExportTraceServiceResponse, google.rpc.Status).
 */
export function fields(body: Buffer): Map<number, number | Buffer> {
  const out = new Map<number, number | Buffer>();
  let pos = 0;
  const varint = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = body[pos++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  while (pos < body.length) {
    const tag = varint();
    if ((tag & 7) === 0) out.set(tag >>> 3, varint());
    else if ((tag & 7) === 2) {
      const len = varint();
      out.set(tag >>> 3, body.subarray(pos, pos + len));
      pos += len;
    } else throw new Error(`unexpected wire type in tag ${tag}`);
  }
  return out;
}

/** google.rpc.Status {1: code, 2: message} from protobuf. */
export function parseStatus(body: Buffer): { code: number; message: string } {
  const f = fields(body);
  return { code: (f.get(1) as number) ?? 0, message: ((f.get(2) as Buffer) ?? Buffer.alloc(0)).toString() };
}
