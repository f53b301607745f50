// Small protobuf reading steps for the fused encoder's hot loops: one-byte fast paths for tags and
// lengths (nearly all of them), and skips that make no values. Each slow path defers to
// protobuf-reader.ts, so what is rejected, and how, stays exactly the model decoder's.
import { OtlpDecodeError } from './model.js';
import { readLengthEnd, readVarint32, skipField, type ProtobufReader } from './protobuf-reader.js';

/** readVarint32 for a field tag (two bytes for field numbers 16 to 2047, e.g. Span.flags). */
export function readTag(r: ProtobufReader, end: number): number {
  const pos = r.pos;
  if (pos + 1 < end) {
    const b = r.buf[pos];
    if (b < 0x80) {
      r.pos = pos + 1;
      return b;
    }
    const b1 = r.buf[pos + 1];
    if (b1 < 0x80) {
      r.pos = pos + 2;
      return (b & 0x7f) | (b1 << 7);
    }
  }
  return readVarint32(r, end);
}

/** readLengthEnd: reads a length prefix and returns where the field ends, checked against `end`. */
export function readFieldEnd(r: ProtobufReader, end: number): number {
  const pos = r.pos;
  if (pos < end) {
    const b = r.buf[pos];
    if (b < 0x80 && pos + 1 + b <= end) {
      r.pos = pos + 1;
      return pos + 1 + b;
    }
  }
  return readLengthEnd(r, end);
}

/** Field 0 is invalid, as in protobuf-decoder.ts; any other unknown field is skipped. */
export function skipTag(r: ProtobufReader, wt: number, end: number, field: number): void {
  if (field === 0) throw new OtlpDecodeError(`invalid field number 0 at byte ${r.pos}`);
  skipField(r, wt, end, field);
}

/** Skips a varint with readVarint64's checks, without making a bigint. */
export function skipVarint(r: ProtobufReader, end: number): void {
  const buf = r.buf;
  let pos = r.pos;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new OtlpDecodeError(`truncated varint at byte ${pos}`);
    if (buf[pos++] < 0x80) {
      r.pos = pos;
      return;
    }
  }
  throw new OtlpDecodeError(`varint longer than 10 bytes at byte ${r.pos}`);
}

/** readFixed64 / readFixed32 / readDouble's bounds check, before the caller takes the offset. */
export function checkFixed(r: ProtobufReader, end: number, size: 4 | 8): void {
  if (r.pos + size > end) throw new OtlpDecodeError(`truncated ${size === 8 ? 'fixed64' : 'fixed32'} at byte ${r.pos}`);
}
