// A growable buffer that writes ClickHouse RowBinary values, from JS values (the model path) or
// copied straight from a protobuf body's bytes (the fused path). Spans are encoded into it so the
// engine parses binary (its fastest input, see shared/ENGINE-FACTS.md) instead of text.
import { isUtf8 } from 'node:buffer';

export interface RowBinaryWriter {
  buf: Buffer;
  pos: number;
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');

export function createRowBinaryWriter(initialSize = 1 << 16): RowBinaryWriter {
  return { buf: Buffer.allocUnsafe(initialSize), pos: 0 };
}

export function ensure(w: RowBinaryWriter, extra: number): void {
  const need = w.pos + extra;
  if (need <= w.buf.length) return;
  let size = w.buf.length * 2;
  while (size < need) size *= 2;
  const next = Buffer.allocUnsafe(size);
  w.buf.copy(next, 0, 0, w.pos);
  w.buf = next;
}

/** Copies the written bytes out, leaving the writer reusable. */
export function takeBytes(w: RowBinaryWriter): Buffer {
  const out = Buffer.allocUnsafe(w.pos);
  w.buf.copy(out, 0, 0, w.pos);
  w.pos = 0;
  return out;
}

export function writeVarUint(w: RowBinaryWriter, n: number): void {
  ensure(w, 5);
  const buf = w.buf;
  while (n >= 0x80) {
    buf[w.pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[w.pos++] = n;
}

export function writeString(w: RowBinaryWriter, s: string): void {
  // Up to 42 UTF-16 units encode to at most 126 bytes, so the 1-byte length prefix can be written
  // after the bytes without measuring the string first.
  if (s.length < 43) {
    ensure(w, 1 + s.length * 3);
    const n = s.length === 0 ? 0 : w.buf.write(s, w.pos + 1);
    w.buf[w.pos] = n;
    w.pos += 1 + n;
    return;
  }
  const n = Buffer.byteLength(s, 'utf8');
  writeVarUint(w, n);
  ensure(w, n);
  w.pos += w.buf.write(s, w.pos);
}

/** Writes raw id bytes as a lowercase hex String, the way the upstream exporter stores ids. */
export function writeHexString(w: RowBinaryWriter, bytes: Uint8Array): void {
  writeHexRange(w, bytes, 0, bytes.length);
}

/** writeHexString for the id bytes `src[start, end)`. */
export function writeHexRange(w: RowBinaryWriter, src: Uint8Array, start: number, end: number): void {
  const n = (end - start) * 2;
  writeVarUint(w, n);
  ensure(w, n);
  const out = w.buf;
  let p = w.pos;
  for (let i = start; i < end; i++) {
    const b = src[i];
    out[p++] = HEX[b >> 4];
    out[p++] = HEX[b & 15];
  }
  w.pos = p;
}

export function writeInt64(w: RowBinaryWriter, v: bigint): void {
  ensure(w, 8);
  w.buf.writeBigInt64LE(v, w.pos);
  w.pos += 8;
}

export function writeUInt64(w: RowBinaryWriter, v: bigint): void {
  ensure(w, 8);
  w.buf.writeBigUInt64LE(v, w.pos);
  w.pos += 8;
}

export function writeBytes(w: RowBinaryWriter, bytes: Uint8Array): void {
  ensure(w, bytes.length);
  w.buf.set(bytes, w.pos);
  w.pos += bytes.length;
}

/** writeBytes for a few bytes (a fixed-width value, a ready-made String): a loop beats a native call. */
export function writeFewBytes(w: RowBinaryWriter, src: Uint8Array, start: number, length: number): void {
  ensure(w, length);
  const dst = w.buf;
  let p = w.pos;
  for (let i = start; i < start + length; i++) dst[p++] = src[i];
  w.pos = p;
}

// Strings copied from a protobuf body. Both formats length-prefix UTF-8, so valid UTF-8 is copied
// byte for byte; anything else goes through Buffer.toString (U+FFFD replacement) exactly as the
// model decoder does, to give the same bytes.

/** Below this many bytes a JS loop beats a native call (and the subarray it needs). */
const SHORT = 128;

/** True when `src[start, end)` decodes to a string that re-encodes to the same bytes. */
export function isCleanUtf8(src: Buffer, start: number, end: number): boolean {
  if (end - start < SHORT) {
    let high = 0;
    for (let i = start; i < end; i++) high |= src[i];
    if (high < 0x80) return true;
  }
  return isUtf8(src.subarray(start, end));
}

// DataViews over the last source and target buffers, for copying four bytes at a time.
let viewedSrc: Buffer | undefined;
let srcView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
let viewedDst: Buffer | undefined;
let dstView = srcView;

/**
 * Copies `src[start, end)` to `dst` at `at` and returns the OR of all bytes (≥ 0x80 when any byte
 * is non-ASCII). Four bytes per step through DataViews, which beats a byte loop for short strings
 * and a native copy call for all but long ones.
 */
export function copyBytes(src: Buffer, start: number, end: number, dst: Buffer, at: number): number {
  if (src !== viewedSrc) {
    viewedSrc = src;
    srcView = new DataView(src.buffer, src.byteOffset, src.length);
  }
  if (dst !== viewedDst) {
    viewedDst = dst;
    dstView = new DataView(dst.buffer, dst.byteOffset, dst.length);
  }
  let high = 0;
  let i = start;
  let p = at;
  for (; i + 4 <= end; i += 4, p += 4) {
    const v = srcView.getInt32(i);
    high |= v;
    dstView.setInt32(p, v);
  }
  high = (high | (high >>> 8) | (high >>> 16) | (high >>> 24)) & 0xff;
  for (; i < end; i++) {
    const b = src[i];
    high |= b;
    dst[p++] = b;
  }
  return high;
}

/** Writes `src[start, end)` as a RowBinary String, with the bytes the model path would write. */
export function copyUtf8String(w: RowBinaryWriter, src: Buffer, start: number, end: number): void {
  const n = end - start;
  if (n < SHORT) {
    // Copy while checking for non-ASCII bytes; the (rare) non-ASCII case is verified after the fact.
    ensure(w, 1 + n);
    w.buf[w.pos] = n;
    const high = copyBytes(src, start, end, w.buf, w.pos + 1);
    if (high < 0x80 || isUtf8(src.subarray(start, end))) w.pos += 1 + n;
    else writeString(w, src.toString('utf8', start, end));
    return;
  }
  if (!isUtf8(src.subarray(start, end))) {
    writeString(w, src.toString('utf8', start, end));
    return;
  }
  writeVarUint(w, n);
  ensure(w, n);
  src.copy(w.buf, w.pos, start, end);
  w.pos += n;
}

/** Copies bytes already known to be clean UTF-8 (e.g. keys checked by isCleanUtf8) as a String. */
export function copyCheckedString(w: RowBinaryWriter, src: Buffer, start: number, end: number): void {
  const n = end - start;
  writeVarUint(w, n);
  if (n < SHORT) {
    writeFewBytes(w, src, start, n);
    return;
  }
  ensure(w, n);
  src.copy(w.buf, w.pos, start, end);
  w.pos += n;
}

/** Writes a string known to hold only ASCII (rendered numbers, booleans, fixed names). */
export function writeAsciiString(w: RowBinaryWriter, s: string): void {
  const n = s.length;
  writeVarUint(w, n);
  ensure(w, n);
  const out = w.buf;
  let p = w.pos;
  for (let i = 0; i < n; i++) out[p++] = s.charCodeAt(i);
  w.pos = p;
}

/** True when `src[start, end)` holds exactly the bytes of `bytes`. */
export function rangeEquals(src: Buffer, start: number, end: number, bytes: Uint8Array): boolean {
  if (end - start !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (src[start + i] !== bytes[i]) return false;
  return true;
}
