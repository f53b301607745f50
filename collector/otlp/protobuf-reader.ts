// A bounds-checked protobuf wire-format reader, shared by the model decoder and the fused row encoder
// so both reject a bad body with the same words. Hand-written (not protobufjs) for int64 as bigint,
// zero-copy ids, and a typed error, never a RangeError or an endless loop, on hostile input.
import { OtlpDecodeError } from './model.js';

export interface ProtobufReader {
  buf: Buffer;
  pos: number;
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export function readVarint32(r: ProtobufReader, end: number): number {
  // Fast path for the common 1–2 byte case; values above 2^32 keep their low 32 bits as protobuf does.
  const buf = r.buf;
  let pos = r.pos;
  if (pos >= end) throw new OtlpDecodeError(`truncated varint at byte ${pos}`);
  let b = buf[pos++];
  let value = b & 0x7f;
  if (b < 0x80) {
    r.pos = pos;
    return value;
  }
  let shift = 7;
  for (let i = 1; i < 10; i++) {
    if (pos >= end) throw new OtlpDecodeError(`truncated varint at byte ${pos}`);
    b = buf[pos++];
    if (shift < 32) value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      r.pos = pos;
      return value > 0xffffffff ? value % 0x100000000 : value;
    }
    shift += 7;
  }
  throw new OtlpDecodeError(`varint longer than 10 bytes at byte ${r.pos}`);
}

export function readVarint64(r: ProtobufReader, end: number): bigint {
  const buf = r.buf;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new OtlpDecodeError(`truncated varint at byte ${pos}`);
    const b = buf[pos++];
    if (i < 4) lo |= (b & 0x7f) << (7 * i);
    else if (i === 4) {
      lo |= (b & 0x0f) << 28;
      hi |= (b & 0x7f) >> 4;
    } else hi |= (b & 0x7f) << (7 * i - 32);
    if (b < 0x80) {
      r.pos = pos;
      return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
    }
  }
  throw new OtlpDecodeError(`varint longer than 10 bytes at byte ${r.pos}`);
}

/**
 * Steps over a fixed-width value of `size` bytes and returns where it starts, for a caller that
 * copies the bytes rather than making a number; `type` names it in the error.
 */
export function skipFixed(r: ProtobufReader, end: number, size: 4 | 8, type: 'fixed32' | 'fixed64' | 'double'): number {
  const at = r.pos;
  if (at + size > end) throw new OtlpDecodeError(`truncated ${type} at byte ${at}`);
  r.pos = at + size;
  return at;
}

export function readFixed64(r: ProtobufReader, end: number): bigint {
  return r.buf.readBigUInt64LE(skipFixed(r, end, 8, 'fixed64'));
}

export function readFixed32(r: ProtobufReader, end: number): number {
  return r.buf.readUInt32LE(skipFixed(r, end, 4, 'fixed32'));
}

export function readDouble(r: ProtobufReader, end: number): number {
  return r.buf.readDoubleLE(skipFixed(r, end, 8, 'double'));
}

/** Reads a length prefix and returns the end offset of the delimited field, checked against `end`. */
export function readLengthEnd(r: ProtobufReader, end: number): number {
  const len = readVarint32(r, end);
  const fieldEnd = r.pos + len;
  if (fieldEnd > end) {
    throw new OtlpDecodeError(`length ${len} at byte ${r.pos} runs past the end of its message (${end - r.pos} bytes left)`);
  }
  return fieldEnd;
}

export function readString(r: ProtobufReader, end: number): string {
  const fieldEnd = readLengthEnd(r, end);
  const s = fieldEnd === r.pos ? '' : r.buf.toString('utf8', r.pos, fieldEnd);
  r.pos = fieldEnd;
  return s;
}

export function readBytes(r: ProtobufReader, end: number): Uint8Array {
  const fieldEnd = readLengthEnd(r, end);
  const b = r.buf.subarray(r.pos, fieldEnd);
  r.pos = fieldEnd;
  return b;
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

function skipField(r: ProtobufReader, wireType: number, end: number, field: number): void {
  switch (wireType) {
    case WIRE_VARINT:
      skipVarint(r, end);
      return;
    case WIRE_FIXED64:
      skipFixed(r, end, 8, 'fixed64');
      return;
    case WIRE_LEN:
      r.pos = readLengthEnd(r, end);
      return;
    case WIRE_FIXED32:
      skipFixed(r, end, 4, 'fixed32');
      return;
    default:
      throw new OtlpDecodeError(`field ${field} has unsupported wire type ${wireType} at byte ${r.pos}`);
  }
}

/** Skips a field this reader does not know; field number 0 is invalid protobuf. */
export function skipTag(r: ProtobufReader, wireType: number, end: number, field: number): void {
  if (field === 0) throw new OtlpDecodeError(`invalid field number 0 at byte ${r.pos}`);
  skipField(r, wireType, end, field);
}

export function expectWireType(actual: number, expected: number, field: number, message: string): void {
  if (actual !== expected) {
    throw new OtlpDecodeError(`${message} field ${field} has wire type ${actual}, expected ${expected}`);
  }
}

// One-byte fast paths for tags and lengths (nearly all of them), for the fused encoder's hot loops;
// each falls back to the general reader above, so what is rejected, and how, stays the same.

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
