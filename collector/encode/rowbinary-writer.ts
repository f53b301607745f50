// A growable buffer that writes ClickHouse RowBinary values. Spans are encoded straight into it so
// the engine parses binary (its fastest input, see shared/ENGINE-FACTS.md) instead of text.

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
  const n = bytes.length * 2;
  writeVarUint(w, n);
  ensure(w, n);
  const buf = w.buf;
  let p = w.pos;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    buf[p++] = HEX[b >> 4];
    buf[p++] = HEX[b & 15];
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
