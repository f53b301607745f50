// A bounds-checked protobuf wire-format reader over one request body. Hand-written rather than
// taken from protobufjs because the decoder needs int64 as bigint, ids as zero-copy subarrays, and
// a typed error (never a RangeError or an endless loop) on hostile input.
import { OtlpDecodeError } from './model.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export interface ProtobufReader {
  buf: Buffer;
  pos: number;
}

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

export function readFixed64(r: ProtobufReader, end: number): bigint {
  if (r.pos + 8 > end) throw new OtlpDecodeError(`truncated fixed64 at byte ${r.pos}`);
  const v = r.buf.readBigUInt64LE(r.pos);
  r.pos += 8;
  return v;
}

export function readFixed32(r: ProtobufReader, end: number): number {
  if (r.pos + 4 > end) throw new OtlpDecodeError(`truncated fixed32 at byte ${r.pos}`);
  const v = r.buf.readUInt32LE(r.pos);
  r.pos += 4;
  return v;
}

export function readDouble(r: ProtobufReader, end: number): number {
  if (r.pos + 8 > end) throw new OtlpDecodeError(`truncated double at byte ${r.pos}`);
  const v = r.buf.readDoubleLE(r.pos);
  r.pos += 8;
  return v;
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

export function skipField(r: ProtobufReader, wireType: number, end: number, field: number): void {
  switch (wireType) {
    case WIRE_VARINT:
      readVarint64(r, end);
      return;
    case WIRE_FIXED64:
      if (r.pos + 8 > end) throw new OtlpDecodeError(`truncated fixed64 at byte ${r.pos}`);
      r.pos += 8;
      return;
    case WIRE_LEN:
      r.pos = readLengthEnd(r, end);
      return;
    case WIRE_FIXED32:
      if (r.pos + 4 > end) throw new OtlpDecodeError(`truncated fixed32 at byte ${r.pos}`);
      r.pos += 4;
      return;
    default:
      throw new OtlpDecodeError(`field ${field} has unsupported wire type ${wireType} at byte ${r.pos}`);
  }
}

export function expectWireType(actual: number, expected: number, field: number, message: string): void {
  if (actual !== expected) {
    throw new OtlpDecodeError(`${message} field ${field} has wire type ${actual}, expected ${expected}`);
  }
}
