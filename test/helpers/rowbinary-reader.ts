// A tiny RowBinary reader for tests: reads rows back column by column from the ClickHouse types a
// column list declares, so a test can check what an encoder wrote without trusting the encoder's
// own idea of the column order. Only the types of the otel_traces row contract are understood.

/** A decoded value: integers and times as bigint, maps as plain objects, arrays as arrays. */
export type RowBinaryValue = bigint | string | RowBinaryValue[] | { [key: string]: RowBinaryValue };

interface Cursor {
  buf: Buffer;
  pos: number;
}

export class RowBinaryReadError extends Error {
  readonly code = 'ROWBINARY_READ_ERROR';
  constructor(message: string) {
    super(message);
    this.name = 'RowBinaryReadError';
  }
}

/** Reads every row of `buf`, each as { columnName: value }; throws when the bytes do not fit the types. */
export function readRowBinaryRows(buf: Buffer, columns: readonly { name: string; type: string }[]): Record<string, RowBinaryValue>[] {
  const c: Cursor = { buf, pos: 0 };
  const rows: Record<string, RowBinaryValue>[] = [];
  while (c.pos < buf.length) {
    const row: Record<string, RowBinaryValue> = {};
    for (const { name, type } of columns) row[name] = readValue(c, type.replace(/\s+/g, ''), name);
    rows.push(row);
  }
  return rows;
}

function readValue(c: Cursor, type: string, column: string): RowBinaryValue {
  if (type === 'String') return readString(c, column);
  if (type === 'DateTime64(9)' || type === 'Int64') return take(c, 8, column).readBigInt64LE();
  if (type === 'UInt64') return take(c, 8, column).readBigUInt64LE();
  const inner = /^(\w+)\((.*)\)$/.exec(type);
  if (inner?.[1] === 'LowCardinality') return readValue(c, inner[2], column);
  if (inner?.[1] === 'Array') {
    const n = readVarUint(c, column);
    return Array.from({ length: n }, () => readValue(c, inner[2], column));
  }
  if (inner?.[1] === 'Map') {
    const [keyType, valueType] = splitTypeArguments(inner[2]);
    const n = readVarUint(c, column);
    const map: { [key: string]: RowBinaryValue } = {};
    for (let i = 0; i < n; i++) {
      const key = readValue(c, keyType, column);
      map[String(key)] = readValue(c, valueType, column);
    }
    return map;
  }
  throw new RowBinaryReadError(`${column}: type ${type} is not understood by this reader`);
}

/** "LowCardinality(String),String" → ["LowCardinality(String)", "String"] (commas inside parentheses kept). */
function splitTypeArguments(args: string): string[] {
  let depth = 0;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '(') depth++;
    else if (args[i] === ')') depth--;
    else if (args[i] === ',' && depth === 0) return [args.slice(0, i), args.slice(i + 1)];
  }
  throw new RowBinaryReadError(`expected two type arguments in ${args}`);
}

function readString(c: Cursor, column: string): string {
  const n = readVarUint(c, column);
  return take(c, n, column).toString('utf8');
}

function readVarUint(c: Cursor, column: string): number {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const b = take(c, 1, column)[0];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value;
  }
  throw new RowBinaryReadError(`${column}: varint too long at byte ${c.pos}`);
}

function take(c: Cursor, n: number, column: string): Buffer {
  if (c.pos + n > c.buf.length) throw new RowBinaryReadError(`${column}: ${n} bytes wanted at byte ${c.pos}, ${c.buf.length - c.pos} left`);
  const out = c.buf.subarray(c.pos, c.pos + n);
  c.pos += n;
  return out;
}
