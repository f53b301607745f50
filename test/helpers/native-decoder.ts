// Decodes ClickHouse Native blocks as clickhouse-go v2.47 reads them over HTTP (lib/proto/block.go,
// Block.Decode): at a revision > 0 each block starts with block info; then columns and rows (var
// ints); per column its name, its type, from revision 54454 a custom-serialization flag (which
// clickhouse-go refuses when set), and its data. Values are decoded here, independently of the
// endpoint's own walk over them, for the types Grafana's queries return.

export interface NativeColumn {
  name: string;
  type: string;
  values: unknown[];
}

export interface NativeBlock {
  columns: NativeColumn[];
  rows: number;
}

class Reader {
  offset = 0;
  constructor(readonly bytes: Buffer) {}
  get done(): boolean {
    return this.offset >= this.bytes.length;
  }
  take(n: number): Buffer {
    if (this.offset + n > this.bytes.length) throw new Error(`Native data ends at ${this.bytes.length}, needed ${this.offset + n}`);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  uvarint(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.take(1)[0];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  }
  str(): string {
    return this.take(this.uvarint()).toString('utf8');
  }
}

/** Splits a type's arguments at top-level commas (`Map(String, Array(Tuple(a String, b UInt8)))`). */
function typeArgs(type: string): string[] {
  const inner = type.slice(type.indexOf('(') + 1, -1);
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '(') depth++;
    else if (inner[i] === ')') depth--;
    else if (inner[i] === ',' && depth === 0) {
      out.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(inner.slice(start).trim());
  return out;
}

const base = (type: string) => (type.includes('(') ? type.slice(0, type.indexOf('(')) : type);

/** A named tuple element (`name Type`) gives its type. */
const elementType = (arg: string) => (/^[A-Za-z_]\w*\s+[A-Z]/.test(arg) ? arg.slice(arg.search(/\s/) + 1).trim() : arg);

function prefix(reader: Reader, type: string): void {
  const kind = base(type);
  if (kind === 'LowCardinality') reader.take(8);
  else if (kind === 'Array' || kind === 'Nullable') prefix(reader, typeArgs(type)[0]);
  else if (kind === 'Map' || kind === 'Tuple') for (const arg of typeArgs(type)) prefix(reader, elementType(arg));
}

function fixed(reader: Reader, rows: number, width: number, read: (b: Buffer) => unknown): unknown[] {
  return Array.from({ length: rows }, () => read(reader.take(width)));
}

function column(reader: Reader, type: string, rows: number): unknown[] {
  const kind = base(type);
  switch (kind) {
    case 'UInt8':
    case 'Bool':
    case 'Enum8':
      return fixed(reader, rows, 1, (b) => b.readUInt8(0));
    case 'Int8':
      return fixed(reader, rows, 1, (b) => b.readInt8(0));
    case 'UInt16':
    case 'Date':
    case 'Enum16':
      return fixed(reader, rows, 2, (b) => b.readUInt16LE(0));
    case 'Int16':
      return fixed(reader, rows, 2, (b) => b.readInt16LE(0));
    case 'UInt32':
      return fixed(reader, rows, 4, (b) => b.readUInt32LE(0));
    case 'DateTime':
      return fixed(reader, rows, 4, (b) => new Date(b.readUInt32LE(0) * 1000));
    case 'Int32':
      return fixed(reader, rows, 4, (b) => b.readInt32LE(0));
    case 'UInt64':
      return fixed(reader, rows, 8, (b) => b.readBigUInt64LE(0));
    case 'Int64':
      return fixed(reader, rows, 8, (b) => b.readBigInt64LE(0));
    case 'DateTime64':
      // Ticks of 10^-precision seconds since the epoch.
      return fixed(reader, rows, 8, (b) => b.readBigInt64LE(0));
    case 'Float32':
      return fixed(reader, rows, 4, (b) => b.readFloatLE(0));
    case 'Float64':
      return fixed(reader, rows, 8, (b) => b.readDoubleLE(0));
    case 'String':
      return Array.from({ length: rows }, () => reader.str());
    case 'FixedString':
      return fixed(reader, rows, Number(typeArgs(type)[0]), (b) => b.toString('utf8'));
    case 'Nullable': {
      const nulls = [...reader.take(rows)];
      const values = column(reader, typeArgs(type)[0], rows);
      return values.map((v, i) => (nulls[i] ? null : v));
    }
    case 'Array':
    case 'Map': {
      const offsets = fixed(reader, rows, 8, (b) => Number(b.readBigUInt64LE(0))) as number[];
      const total = offsets[rows - 1] ?? 0;
      const slice = (all: unknown[]) => offsets.map((end, i) => all.slice(i === 0 ? 0 : offsets[i - 1], end));
      if (kind === 'Array') return slice(column(reader, typeArgs(type)[0], total));
      const [k, v] = typeArgs(type);
      const keys = column(reader, k, total);
      const values = column(reader, v, total);
      return slice(keys.map((key, i) => [key, values[i]])).map((pairs) => Object.fromEntries(pairs as Array<[string, unknown]>));
    }
    case 'Tuple': {
      const elements = typeArgs(type).map((arg) => column(reader, elementType(arg), rows));
      return Array.from({ length: rows }, (_, r) => elements.map((values) => values[r]));
    }
    case 'LowCardinality': {
      const inner = typeArgs(type)[0];
      const keyType = base(inner) === 'Nullable' ? typeArgs(inner)[0] : inner;
      const flags = Number(reader.take(8).readBigUInt64LE(0));
      const keys = column(reader, keyType, Number(reader.take(8).readBigUInt64LE(0)));
      const count = Number(reader.take(8).readBigUInt64LE(0));
      const width = [1, 2, 4, 8][flags & 0xff];
      return fixed(reader, count, width, (b) => keys[Number(b.readUIntLE(0, Math.min(width, 6)))]);
    }
  }
  throw new Error(`the test decoder does not know ${type}`);
}

/** Every block of a Native body, read at `revision` as clickhouse-go reads it. */
export function decodeNative(body: Buffer, revision: number): NativeBlock[] {
  const reader = new Reader(body);
  const blocks: NativeBlock[] = [];
  while (!reader.done) {
    if (revision > 0) {
      // Block info: field 1 is_overflows (UInt8), field 2 bucket_num (Int32), 0 ends it.
      for (let field = reader.uvarint(); field !== 0; field = reader.uvarint()) reader.take(field === 1 ? 1 : 4);
    }
    const columnCount = reader.uvarint();
    const rows = reader.uvarint();
    const columns: NativeColumn[] = [];
    for (let c = 0; c < columnCount; c++) {
      const name = reader.str();
      const type = reader.str();
      if (revision >= 54454 && reader.take(1)[0] !== 0) throw new Error(`custom serialization for column ${name}: clickhouse-go refuses it`);
      if (rows > 0) prefix(reader, type);
      columns.push({ name, type, values: rows > 0 ? column(reader, type, rows) : [] });
    }
    blocks.push({ columns, rows });
  }
  return blocks;
}

/** The rows of all blocks as objects, column name → value. */
export function nativeRows(blocks: NativeBlock[]): Record<string, unknown>[] {
  return blocks.flatMap((block) => Array.from({ length: block.rows }, (_, r) => Object.fromEntries(block.columns.map((c) => [c.name, c.values[r]]))));
}
