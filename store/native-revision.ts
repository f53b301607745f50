// Native blocks at a client's protocol revision. The embedded engine writes Native as revision 0
// (no block info, no per-column serialization flag); a ClickHouse server answering
// `client_protocol_version=N` over HTTP writes block info (N > 0) and, from revision 54454, one
// "custom serialization" byte after each column's type. The column data is the same bytes, so a
// block is re-framed: walking each column's data by its type is what finds where it ends.

/** From this revision on, each column carries a custom-serialization flag (ClickHouse's Protocol.h). */
export const REVISION_WITH_CUSTOM_SERIALIZATION = 54454;

/** A type this walk cannot measure (its Native layout has state of its own). */
export class NativeTypeError extends Error {
  readonly code = 'NATIVE_TYPE';
  constructor(type: string) {
    super(`the Native format at a client protocol revision cannot carry the type ${type} from this endpoint; cast the column (e.g. toString(…)) or use another FORMAT`);
    this.name = 'NativeTypeError';
  }
}

interface TypeNode {
  name: string;
  args: TypeNode[];
  /** A literal argument as written (`9`, `'UTC'`). */
  literal?: string;
}

const FIXED_WIDTH: Readonly<Record<string, number>> = {
  UInt8: 1, Int8: 1, Bool: 1, Enum8: 1,
  UInt16: 2, Int16: 2, Date: 2, Enum16: 2, BFloat16: 2,
  UInt32: 4, Int32: 4, Float32: 4, Date32: 4, DateTime: 4, IPv4: 4, Decimal32: 4, Time: 4,
  UInt64: 8, Int64: 8, Float64: 8, DateTime64: 8, Decimal64: 8, Time64: 8,
  UInt128: 16, Int128: 16, UUID: 16, IPv6: 16, Decimal128: 16,
  UInt256: 32, Int256: 32, Decimal256: 32,
  Nothing: 1,
};

/** Geometry types are names for nested arrays of points. */
const ALIASES: Readonly<Record<string, string>> = {
  Point: 'Tuple(Float64, Float64)',
  Ring: 'Array(Tuple(Float64, Float64))',
  LineString: 'Array(Tuple(Float64, Float64))',
  MultiLineString: 'Array(Array(Tuple(Float64, Float64)))',
  Polygon: 'Array(Array(Tuple(Float64, Float64)))',
  MultiPolygon: 'Array(Array(Array(Tuple(Float64, Float64))))',
};

/** Parses a ClickHouse type name (`Map(LowCardinality(String), Array(Tuple(a String, b UInt8)))`). */
export function parseType(text: string): TypeNode {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const node = (): TypeNode => {
    skipSpace();
    if (text[i] === "'" || /[-\d]/.test(text[i] ?? '')) {
      const start = i;
      if (text[i] === "'") {
        i++;
        while (i < text.length && text[i] !== "'") i += text[i] === '\\' ? 2 : 1;
        i++;
      }
      while (i < text.length && !/[,)]/.test(text[i])) i++;
      return { name: '', args: [], literal: text.slice(start, i).trim() };
    }
    let start = i;
    while (i < text.length && /[\w]/.test(text[i])) i++;
    let name = text.slice(start, i);
    skipSpace();
    // A named tuple element (`a String`): the name goes, the type stays.
    if (/[A-Za-z_]/.test(text[i] ?? '') && !['(', ',', ')'].includes(text[i])) {
      start = i;
      while (i < text.length && /[\w]/.test(text[i])) i++;
      name = text.slice(start, i);
      skipSpace();
    }
    const args: TypeNode[] = [];
    if (text[i] === '(') {
      i++;
      for (;;) {
        skipSpace();
        if (text[i] === ')') {
          i++;
          break;
        }
        args.push(node());
        skipSpace();
        if (text[i] === ',') i++;
      }
    }
    return { name, args };
  };
  const parsed = node();
  return ALIASES[parsed.name] ? parseType(ALIASES[parsed.name]) : parsed;
}

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}
  need(n: number): void {
    if (this.offset + n > this.bytes.length) throw new RangeError('a Native block ends before its data does');
  }
  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }
  varUInt(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const byte = this.bytes[this.offset++];
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7;
    }
  }
  uint64(): number {
    this.need(8);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.offset, 8);
    this.offset += 8;
    return Number(view.getBigUint64(0, true));
  }
  string(): string {
    const length = this.varUInt();
    this.need(length);
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.offset, length).toString('utf8');
    this.offset += length;
    return text;
  }
}

function decimalWidth(type: TypeNode): number {
  const precision = Number(type.args[0]?.literal ?? 0);
  return precision <= 9 ? 4 : precision <= 18 ? 8 : precision <= 38 ? 16 : 32;
}

/** Skips the serialization state a column writes before its data (LowCardinality's key version). */
function skipPrefix(reader: Reader, type: TypeNode): void {
  switch (type.name) {
    case 'LowCardinality':
      reader.skip(8);
      return;
    case 'Array':
    case 'Nullable':
      skipPrefix(reader, type.args[0]);
      return;
    case 'Map':
    case 'Tuple':
      for (const arg of type.args) skipPrefix(reader, arg);
      return;
    case 'SimpleAggregateFunction':
      skipPrefix(reader, type.args[type.args.length - 1]);
      return;
  }
}

/** Skips `rows` values of a column's data. */
function skipData(reader: Reader, type: TypeNode, rows: number): void {
  if (rows === 0) return;
  const fixed = FIXED_WIDTH[type.name];
  if (fixed !== undefined) return reader.skip(fixed * rows);
  if (/^Interval/.test(type.name)) return reader.skip(8 * rows);
  switch (type.name) {
    case 'String':
      for (let r = 0; r < rows; r++) reader.skip(reader.varUInt());
      return;
    case 'FixedString':
      return reader.skip(Number(type.args[0].literal) * rows);
    case 'Decimal':
      return reader.skip(decimalWidth(type) * rows);
    case 'Nullable':
      reader.skip(rows);
      return skipData(reader, type.args[0], rows);
    case 'Array':
    case 'Map': {
      reader.skip(8 * (rows - 1));
      const total = reader.uint64();
      if (type.name === 'Array') return skipData(reader, type.args[0], total);
      for (const arg of type.args) skipData(reader, arg, total);
      return;
    }
    case 'Tuple':
      for (const arg of type.args) skipData(reader, arg, rows);
      return;
    case 'LowCardinality':
      return skipLowCardinality(reader, type.args[0], rows);
    case 'SimpleAggregateFunction':
      return skipData(reader, type.args[type.args.length - 1], rows);
  }
  throw new NativeTypeError(type.name);
}

const INDEX_WIDTHS = [1, 2, 4, 8];
const HAS_ADDITIONAL_KEYS = 1 << 9;
const NEED_GLOBAL_DICTIONARY = 1 << 8;

function skipLowCardinality(reader: Reader, inner: TypeNode, rows: number): void {
  const keyType = inner.name === 'Nullable' ? inner.args[0] : inner;
  for (let read = 0; read < rows; ) {
    const flags = reader.uint64();
    if (flags & NEED_GLOBAL_DICTIONARY) throw new NativeTypeError('LowCardinality with a global dictionary');
    if (flags & HAS_ADDITIONAL_KEYS) skipData(reader, keyType, reader.uint64());
    const count = reader.uint64();
    reader.skip(INDEX_WIDTHS[flags & 0xff] * count);
    read += count;
  }
}

/** Block info as a server writes it: not an overflow block, bucket -1, end of fields. */
const BLOCK_INFO = Uint8Array.from([1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0]);

/**
 * Re-frames revision-0 Native (one or more whole blocks) as a server writes it for a client at
 * `revision`. Revision 0 returns the bytes as they are.
 */
export function nativeAtRevision(bytes: Uint8Array, revision: number): Uint8Array {
  if (revision <= 0) return bytes;
  const reader = new Reader(bytes);
  const parts: Uint8Array[] = [];
  while (reader.offset < bytes.length) {
    parts.push(BLOCK_INFO);
    const headerStart = reader.offset;
    const columns = reader.varUInt();
    const rows = reader.varUInt();
    parts.push(bytes.subarray(headerStart, reader.offset));
    for (let c = 0; c < columns; c++) {
      const start = reader.offset;
      reader.string();
      const type = parseType(reader.string());
      parts.push(bytes.subarray(start, reader.offset));
      if (revision >= REVISION_WITH_CUSTOM_SERIALIZATION) parts.push(Uint8Array.of(0));
      const dataStart = reader.offset;
      // No rows, no data: not even the serialization state.
      if (rows > 0) {
        skipPrefix(reader, type);
        skipData(reader, type, rows);
      }
      parts.push(bytes.subarray(dataStart, reader.offset));
    }
  }
  return Buffer.concat(parts);
}

