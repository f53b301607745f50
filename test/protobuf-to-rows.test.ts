// Differential test of the fused protobuf → RowBinary encoder against the model path
// (encodeSpanRows(decodeTraceRequestProtobuf(body))): same bytes, rows, rejections, counters and
// decode errors (for a mutated body, possibly naming another of its faults), for SDK-made requests,
// seeded random requests, mutated bodies and hand-made corner cases.
import { describe, expect, it } from 'vitest';
import { makeProtobufRequests } from '../bench/span-fixtures.js';
import { createIngestor, type RowSink } from '../collector/ingest.js';
import { OtlpDecodeError } from '../collector/otlp/model.js';
import { decodeTraceRequestProtobuf, TOO_DEEP_MARKER, type DecodeOptions } from '../collector/otlp/protobuf-decoder.js';
import { encodeProtobufSpanRows, type ProtobufEncodeResult } from '../collector/encode/wire-rows.js';
import { DEFAULT_SPAN_LIMITS, encodeSpanRows, type EncodedRows, type EncodeResult, type SpanLimits } from '../collector/encode/model-rows.js';
import { encode, type Field } from './helpers/protobuf-writer.js';

type Outcome = { ok: EncodeResult } | { error: Error };

function modelPath(body: Buffer, limits: SpanLimits, options?: DecodeOptions): Outcome {
  try {
    return { ok: encodeSpanRows(decodeTraceRequestProtobuf(body, options), limits) };
  } catch (err) {
    return { error: err as Error };
  }
}

function fastPath(body: Buffer, limits: SpanLimits, options?: DecodeOptions): { ok: ProtobufEncodeResult } | { error: Error } {
  try {
    return { ok: encodeProtobufSpanRows(body, limits, options) };
  } catch (err) {
    return { error: err as Error };
  }
}

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/**
 * How closely the fast path's decode error must match the model decoder's: the same message for a
 * body with one fault; for a body with several (a mutated one), only that both reject it, since the
 * walker reads a resource's spans, and a span's events and links, after the fields around them and
 * may meet another fault first.
 */
type ErrorMatch = 'same message' | 'both reject';

/** Asserts both paths agree on `body`; returns the fast path's result (undefined when both threw). */
function expectSame(
  body: Buffer,
  limits: SpanLimits = DEFAULT_SPAN_LIMITS,
  options?: DecodeOptions,
  label = '',
  errorMatch: ErrorMatch = 'same message',
): ProtobufEncodeResult | undefined {
  const model = modelPath(body, limits, options);
  const fast = fastPath(body, limits, options);
  if ('error' in model) {
    expect(model.error, label).toBeInstanceOf(OtlpDecodeError);
    expect('error' in fast ? fast.error : 'no error', label).toBeInstanceOf(OtlpDecodeError);
    if (errorMatch === 'same message') expect('error' in fast && fast.error.message, label).toBe(model.error.message);
    return undefined;
  }
  if ('error' in fast) throw new Error(`${label}: fast path threw ${fast.error.stack} where the model path encoded ${model.ok.rows} rows`);
  const m = model.ok;
  const f = fast.ok;
  expect({ rows: f.rows, rejected: f.rejected, rejections: f.rejections, truncatedValues: f.truncatedValues, droppedAttributes: f.droppedAttributes }, label).toEqual({
    rows: m.rows,
    rejected: m.rejected,
    rejections: m.rejections,
    truncatedValues: m.truncatedValues,
    droppedAttributes: m.droppedAttributes,
  });
  const at = firstDifference(f.bytes, m.bytes);
  if (at >= 0) {
    const around = (b: Buffer) => b.subarray(Math.max(0, at - 16), at + 16).toString('hex');
    expect.fail(`${label}: bytes differ at ${at} of ${m.bytes.length} (fast ${f.bytes.length}): fast …${around(f.bytes)}… model …${around(m.bytes)}…`);
  }
  return f;
}

// ---------------------------------------------------------------- seeded random requests

class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** mulberry32 */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number, nonZero = false): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    if (nonZero && n > 0) b[0] |= 1;
    return b;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

const u8 = (...b: number[]) => new Uint8Array(b);
const INVALID_UTF8: Uint8Array[] = [
  u8(0xff),
  u8(0x61, 0x80, 0x62),
  u8(0xe2, 0x82),
  u8(0xed, 0xa0, 0x80), // an encoded surrogate
  u8(0xc0, 0x80), // overlong
  u8(0xf4, 0x90, 0x80, 0x80), // beyond U+10FFFF
  u8(0xf0, 0x9f, 0x98),
  new Uint8Array(150).fill(0xfe),
  Buffer.concat([Buffer.from('a'.repeat(140)), Buffer.from([0xc3])]),
];
const CHUNKS = ['a', 'Z', ' ', '"', '\\', '\n', 'é', 'ß', '中', '€', '😀', '𝄞', '\uFEFF', '\u0000'];

function randomText(g: Random): string | Uint8Array {
  const r = g.next();
  if (r < 0.1) return INVALID_UTF8[g.int(INVALID_UTF8.length)];
  if (r < 0.15) return '';
  const length = g.chance(0.1) ? 100 + g.int(300) : g.int(20);
  let s = '';
  const ascii = g.chance(0.6);
  for (let i = 0; i < length; i++) s += ascii ? String.fromCharCode(97 + g.int(26)) : g.pick(CHUNKS);
  if (g.chance(0.05)) return Buffer.concat([Buffer.from(s), g.pick(INVALID_UTF8), Buffer.from(s)]);
  return s;
}

// Keys that collide: 'k\uFFFD' written validly, and two invalid byte strings that decode to it.
const KEYS: (string | Uint8Array)[] = ['a', 'b', 'c', 'service.name', 'http.route', 'k\uFFFD', u8(0x6b, 0xff), u8(0x6b, 0xfe), '', 'ключ', 'x'.repeat(130)];

const INTS: (number | bigint)[] = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32, 2 ** 48 - 1, 2 ** 49, 2 ** 49 + 1, 2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -(2n ** 63n), -12345n];
const DOUBLES = [0, -0, 0.1, 1.5, 1e21, 1e-7, NaN, Infinity, -Infinity, 123456789.125, 5e-324, -2.5];
const BOOLS: (number | bigint)[] = [0, 1, 2, 2 ** 32, 2 ** 32 + 1, 2n ** 64n - 1n];

function unknownField(g: Random): Field {
  const n = 17 + g.int(40);
  switch (g.int(4)) {
    case 0:
      return { n, varint: g.pick(INTS) };
    case 1:
      return { n, fixed32: g.int(2 ** 32) };
    case 2:
      return { n, fixed64: BigInt(g.int(2 ** 32)) << 20n };
    default:
      return { n, bytes: g.bytes(g.int(10)) };
  }
}

function anyValue(g: Random, depth: number): Field[] {
  const fields: Field[] = [];
  const count = g.chance(0.1) ? g.int(3) : 1; // 0 = empty AnyValue; 2 = oneof, the last wins
  for (let i = 0; i < count; i++) {
    const r = g.next();
    if (r < 0.4) fields.push({ n: 1, bytes: randomText(g) });
    else if (r < 0.5) fields.push({ n: 2, varint: g.pick(BOOLS) });
    else if (r < 0.62) fields.push({ n: 3, varint: g.pick(INTS) });
    else if (r < 0.72) fields.push({ n: 4, double: g.pick(DOUBLES) });
    else if (r < 0.78) fields.push({ n: 7, bytes: g.bytes(g.int(12)) });
    else if (r < 0.89 && depth < 5) fields.push({ n: 5, message: Array.from({ length: g.int(4) }, () => ({ n: 1, message: anyValue(g, depth + 1) })) });
    else if (depth < 5) fields.push({ n: 6, message: Array.from({ length: g.int(4) }, () => ({ n: 1, message: keyValue(g, depth + 1) })) });
    if (g.chance(0.05)) fields.push(unknownField(g));
  }
  return fields;
}

function keyValue(g: Random, depth = 0): Field[] {
  const fields: Field[] = [];
  if (!g.chance(0.03)) fields.push({ n: 1, bytes: g.chance(0.85) ? g.pick(KEYS) : randomText(g) });
  if (!g.chance(0.03)) fields.push({ n: 2, message: anyValue(g, depth) });
  if (g.chance(0.03)) fields.push({ n: 1, bytes: g.pick(KEYS) });
  if (g.chance(0.03)) fields.push({ n: 2, message: anyValue(g, depth) });
  if (g.chance(0.05)) fields.push(unknownField(g));
  return g.shuffle(fields);
}

function attributes(g: Random, n: number): Field[] {
  const count = g.chance(0.05) ? 30 + g.int(30) : g.int(6);
  return Array.from({ length: count }, () => ({ n, message: keyValue(g) }));
}

const BASE_TIME = 1_700_000_000_000_000_000n;

function id(g: Random, length: number): Uint8Array {
  const r = g.next();
  if (r < 0.9) return g.bytes(length, true);
  if (r < 0.95) return new Uint8Array(length); // all zero
  return g.bytes(g.pick([0, 1, length - 1, length + 1]), true);
}

function timestamp(g: Random, start: bigint): bigint | undefined {
  const r = g.next();
  if (r < 0.85) return start + BigInt(g.int(2 ** 31)) * BigInt(1 + g.int(4));
  if (r < 0.9) return start > 0n ? start - 1n : 0n;
  if (r < 0.95) return 2n ** 63n + BigInt(g.int(100));
  return undefined;
}

function span(g: Random): Field[] {
  const fields: Field[] = [];
  if (!g.chance(0.03)) fields.push({ n: 1, bytes: id(g, 16) });
  if (!g.chance(0.03)) fields.push({ n: 2, bytes: id(g, 8) });
  if (g.chance(0.3)) fields.push({ n: 3, bytes: randomText(g) });
  if (g.chance(0.5)) fields.push({ n: 4, bytes: g.chance(0.9) ? g.bytes(8, true) : g.bytes(g.pick([0, 7, 9])) });
  if (!g.chance(0.05)) fields.push({ n: 5, bytes: randomText(g) });
  if (g.chance(0.05)) fields.push({ n: 5, bytes: randomText(g) });
  if (g.chance(0.9)) fields.push({ n: 6, varint: g.pick([0, 1, 2, 3, 4, 5, 6, 2 ** 32 + 2, 1000]) });
  const start = g.chance(0.04) ? (g.chance(0.5) ? 0n : 2n ** 63n + 7n) : BASE_TIME + BigInt(g.int(2 ** 31)) * 1000n + BigInt(g.int(2 ** 32));
  if (!g.chance(0.03)) fields.push({ n: 7, fixed64: start });
  const end = timestamp(g, start);
  if (end !== undefined) fields.push({ n: 8, fixed64: end });
  fields.push(...attributes(g, 9));
  if (g.chance(0.2)) fields.push({ n: 10, varint: g.int(5) });
  for (let i = g.int(4); i > 0; i--) {
    const event: Field[] = [];
    if (!g.chance(0.1)) event.push({ n: 1, fixed64: g.chance(0.9) ? start + BigInt(g.int(1000)) : 2n ** 63n + 1n });
    if (!g.chance(0.1)) event.push({ n: 2, bytes: randomText(g) });
    event.push(...attributes(g, 3));
    if (g.chance(0.2)) event.push({ n: 4, varint: 1 });
    if (g.chance(0.05)) event.push(unknownField(g));
    fields.push({ n: 11, message: g.shuffle(event) });
  }
  if (g.chance(0.1)) fields.push({ n: 12, varint: 2 });
  for (let i = g.chance(0.3) ? 1 + g.int(2) : 0; i > 0; i--) {
    const link: Field[] = [];
    if (!g.chance(0.1)) link.push({ n: 1, bytes: g.bytes(g.pick([16, 16, 0, 3])) });
    if (!g.chance(0.1)) link.push({ n: 2, bytes: g.bytes(g.pick([8, 8, 0, 5])) });
    if (g.chance(0.5)) link.push({ n: 3, bytes: randomText(g) });
    link.push(...attributes(g, 4));
    if (g.chance(0.2)) link.push({ n: 5, varint: 3 });
    if (g.chance(0.3)) link.push({ n: 6, fixed32: 1 });
    fields.push({ n: 13, message: g.shuffle(link) });
  }
  if (g.chance(0.1)) fields.push({ n: 14, varint: 1 });
  for (let i = g.chance(0.6) ? 1 + g.int(2) : 0; i > 0; i--) {
    const status: Field[] = [];
    if (g.chance(0.7)) status.push({ n: 3, varint: g.pick([0, 1, 2, 3, 7]) });
    if (g.chance(0.5)) status.push({ n: 2, bytes: randomText(g) });
    if (g.chance(0.1)) status.push(unknownField(g));
    fields.push({ n: 15, message: g.shuffle(status) });
  }
  if (g.chance(0.5)) fields.push({ n: 16, fixed32: g.int(1024) });
  if (g.chance(0.1)) fields.push(unknownField(g));
  return g.shuffle(fields);
}

function scopeSpans(g: Random): Field[] {
  const fields: Field[] = [];
  for (let i = g.chance(0.8) ? 1 + (g.chance(0.1) ? 1 : 0) : 0; i > 0; i--) {
    const scope: Field[] = [];
    if (g.chance(0.9)) scope.push({ n: 1, bytes: randomText(g) });
    if (g.chance(0.7)) scope.push({ n: 2, bytes: randomText(g) });
    scope.push(...attributes(g, 3));
    if (g.chance(0.1)) scope.push({ n: 4, varint: 1 });
    fields.push({ n: 1, message: g.shuffle(scope) });
  }
  for (let i = g.int(6); i > 0; i--) fields.push({ n: 2, message: span(g) });
  if (g.chance(0.3)) fields.push({ n: 3, bytes: 'https://opentelemetry.io/schemas/1.26.0' });
  if (g.chance(0.05)) fields.push(unknownField(g));
  return g.shuffle(fields);
}

function resourceSpans(g: Random): Field[] {
  const fields: Field[] = [];
  for (let i = g.chance(0.9) ? 1 + (g.chance(0.1) ? 1 : 0) : 0; i > 0; i--) {
    const resource: Field[] = attributes(g, 1);
    if (g.chance(0.7)) resource.push({ n: 1, message: [{ n: 1, bytes: 'service.name' }, { n: 2, message: anyValue(g, 0) }] });
    if (g.chance(0.1)) resource.push({ n: 2, varint: 4 });
    fields.push({ n: 1, message: g.shuffle(resource) });
  }
  for (let i = g.int(4); i > 0; i--) fields.push({ n: 2, message: scopeSpans(g) });
  if (g.chance(0.3)) fields.push({ n: 3, bytes: 'https://opentelemetry.io/schemas/1.26.0' });
  if (g.chance(0.05)) fields.push(unknownField(g));
  return g.shuffle(fields);
}

function request(g: Random): Buffer {
  const fields: Field[] = [];
  for (let i = g.int(4); i > 0; i--) fields.push({ n: 1, message: resourceSpans(g) });
  if (g.chance(0.05)) fields.push(unknownField(g));
  return encode(g.shuffle(fields));
}

const LIMITS: SpanLimits[] = [
  DEFAULT_SPAN_LIMITS,
  DEFAULT_SPAN_LIMITS,
  { maxAttributesPerSpan: 3, maxAttributeValueLength: 5 },
  { maxAttributesPerSpan: 0, maxAttributeValueLength: 0 },
  { maxAttributesPerSpan: 1, maxAttributeValueLength: 1 },
  { maxAttributesPerSpan: 40, maxAttributeValueLength: 131 },
];
const OPTIONS: (DecodeOptions | undefined)[] = [undefined, undefined, { maxValueDepth: 0 }, { maxValueDepth: 1 }, { maxValueDepth: 2 }];

// ---------------------------------------------------------------- hand-made helpers

const TRACE_ID = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
const SPAN_ID = Buffer.from('eee19b7ec3c1b174', 'hex');

function validSpan(extra: Field[] = []): Field[] {
  return [
    { n: 1, bytes: TRACE_ID },
    { n: 2, bytes: SPAN_ID },
    { n: 5, bytes: 'op' },
    { n: 7, fixed64: BASE_TIME },
    { n: 8, fixed64: BASE_TIME + 5n },
    ...extra,
  ];
}

function wrapSpans(spans: Field[][], resource: Field[] = [{ n: 1, message: [{ n: 1, bytes: 'service.name' }, { n: 2, message: [{ n: 1, bytes: 'svc' }] }] }]): Buffer {
  return encode([{ n: 1, message: [{ n: 1, message: resource }, { n: 2, message: [{ n: 1, message: [{ n: 1, bytes: 'scope' }] }, ...spans.map((s) => ({ n: 2, message: s }))] }] }]);
}

function attribute(key: string | Uint8Array, value: Field[]): Field {
  return { n: 9, message: [{ n: 1, bytes: key }, { n: 2, message: value }] };
}

/** An AnyValue holding arrays nested `levels` deep around a string. */
function nestedArrays(levels: number, inner: Field[] = [{ n: 1, bytes: 'deep' }]): Field[] {
  let value = inner;
  for (let i = 0; i < levels; i++) value = [{ n: 5, message: [{ n: 1, message: value }] }];
  return value;
}

// ---------------------------------------------------------------- tests

describe('encodeProtobufSpanRows equals encodeSpanRows(decodeTraceRequestProtobuf(body))', () => {
  it('for requests made by the OpenTelemetry SDK, with every limit setting', () => {
    const bodies = makeProtobufRequests({ spans: 600, spansPerRequest: 128 });
    for (const body of bodies) {
      for (const limits of LIMITS) {
        const result = expectSame(body, limits, undefined, 'sdk');
        expect(result!.rows).toBeGreaterThan(0);
      }
    }
    // Nothing in them (not even the gen_ai.response.finish_reasons array) needs the model decoder.
    for (const body of bodies) expect(encodeProtobufSpanRows(body).modelRenderedValues).toBe(0);
  });

  it('for 3,000 seeded random requests: any field order, every AnyValue kind, duplicates, bad UTF-8, invalid spans, limits', () => {
    const g = new Random(20240611);
    let rows = 0;
    let rejected = 0;
    let truncated = 0;
    let dropped = 0;
    for (let i = 0; i < 3000; i++) {
      const body = request(g);
      const limits = g.pick(LIMITS);
      const options = g.pick(OPTIONS);
      const result = expectSame(body, limits, options, `request ${i}`)!;
      rows += result.rows;
      rejected += result.rejected;
      truncated += result.truncatedValues;
      dropped += result.droppedAttributes;
    }
    // The generator really reaches the interesting paths.
    expect(rows).toBeGreaterThan(3000);
    expect(rejected).toBeGreaterThan(300);
    expect(truncated).toBeGreaterThan(1000);
    expect(dropped).toBeGreaterThan(1000);
  });

  it('for 3,000 mutated bodies (truncated, a byte changed, a byte inserted): same rows, or both reject with an OtlpDecodeError', () => {
    const g = new Random(7);
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const body = request(g);
      if (body.length === 0) continue;
      let mutated: Buffer;
      const at = g.int(body.length);
      const how = g.int(3);
      if (how === 0) mutated = body.subarray(0, at);
      else if (how === 1) {
        mutated = Buffer.from(body);
        mutated[at] = g.int(256);
      } else mutated = Buffer.concat([body.subarray(0, at), Buffer.from([g.int(256)]), body.subarray(at)]);
      if (expectSame(mutated, g.pick(LIMITS), g.pick(OPTIONS), `mutation ${i} (${how} at ${at})`, 'both reject') === undefined) errors++;
    }
    expect(errors).toBeGreaterThan(1000);
  });

  it('for empty bodies and messages', () => {
    expect(expectSame(Buffer.alloc(0))!.rows).toBe(0);
    expect(expectSame(encode([{ n: 1, message: [] }]))!.bytes.length).toBe(0);
    expect(expectSame(encode([{ n: 1, message: [{ n: 2, message: [{ n: 2, message: [] }] }] }]))!.rejected).toBe(1);
    expect(expectSame(encode([{ n: 1, message: [{ n: 1, message: [] }, { n: 2, message: [{ n: 1, message: [] }] }] }]))!.rows).toBe(0);
  });

  it('when the resource comes after its spans and resource/scope/status/name repeat (the last one wins)', () => {
    const span = validSpan([
      { n: 5, bytes: 'second name' },
      { n: 15, message: [{ n: 3, varint: 2 }, { n: 2, bytes: 'first status' }] },
      { n: 15, message: [{ n: 2, bytes: 'second status, code unset' }] },
    ]);
    const body = encode([
      {
        n: 1,
        message: [
          { n: 2, message: [{ n: 2, message: span }, { n: 1, message: [{ n: 1, bytes: 's1' }, { n: 2, bytes: 'v1' }] }, { n: 1, message: [{ n: 1, bytes: 's2' }] }] },
          { n: 1, message: [{ n: 1, message: [{ n: 1, bytes: 'service.name' }, { n: 2, message: [{ n: 1, bytes: 'first' }] }] }] },
          { n: 1, message: [{ n: 1, message: [{ n: 1, bytes: 'service.name' }, { n: 2, message: [{ n: 3, varint: 42 }] }] }] },
        ],
      },
    ]);
    const result = expectSame(body)!;
    expect(result.rows).toBe(1);
    const row = result.bytes.toString('latin1');
    expect(row).toContain('second name');
    expect(row).toContain('second status, code unset');
    expect(row).toContain('\x0242'); // ServiceName rendered from the int of the last resource
    expect(row).not.toContain('v1');
  });

  it('for duplicate keys, including distinct invalid UTF-8 keys that decode to the same string', () => {
    const keys = ['a', 'b', 'a', u8(0x6b, 0xff), 'k\uFFFD', u8(0x6b, 0xfe), 'b'];
    const attrs = keys.map((k, i) => attribute(k, [{ n: 1, bytes: `v${i}` }]));
    const result = expectSame(wrapSpans([validSpan(attrs)]))!;
    expect(result.bytes.toString('latin1')).toContain('v6'); // b's last value
    // Keys alike in length, first and last byte (the duplicate check's fingerprint), with and without a repeat.
    for (const alike of [['axb', 'ayb', 'azb'], ['axb', 'ayb', 'azb', 'ayb']]) {
      const result = expectSame(wrapSpans([validSpan(alike.map((k, i) => attribute(k, [{ n: 1, bytes: `w${i}` }])))]))!;
      expect(result.bytes.toString('latin1')).toContain('w' + (alike.length - 1));
    }
    // More than 32 attributes take the set-based duplicate check.
    const many = Array.from({ length: 50 }, (_, i) => attribute(`key${i % 37}`, [{ n: 1, bytes: `v${i}` }]));
    expectSame(wrapSpans([validSpan(many)]));
    expectSame(wrapSpans([validSpan(many)]), { maxAttributesPerSpan: 40, maxAttributeValueLength: 2 });
  });

  it('for truncation by UTF-16 length, including a surrogate pair cut in half', () => {
    const values = ['😀😀😀', 'a😀b', 'ééééé', 'abcdef', '中文字符', 'x'.repeat(200), '😀'.repeat(100)];
    for (const maxLen of [0, 1, 2, 3, 4, 5, 6, 150, 199]) {
      const attrs = values.map((v, i) => attribute(`k${i}`, [{ n: 1, bytes: v }]));
      const result = expectSame(wrapSpans([validSpan(attrs)]), { maxAttributesPerSpan: 100, maxAttributeValueLength: maxLen })!;
      expect(result.truncatedValues).toBeGreaterThan(0);
    }
  });

  it('for invalid UTF-8 everywhere a string is copied', () => {
    for (const bad of INVALID_UTF8) {
      const span = validSpan([
        { n: 3, bytes: bad },
        { n: 5, bytes: bad },
        attribute(bad, [{ n: 1, bytes: bad }]),
        { n: 11, message: [{ n: 1, fixed64: BASE_TIME }, { n: 2, bytes: bad }, { n: 3, message: [{ n: 1, bytes: bad }, { n: 2, message: [{ n: 1, bytes: bad }] }] }] },
        { n: 13, message: [{ n: 1, bytes: TRACE_ID }, { n: 2, bytes: SPAN_ID }, { n: 3, bytes: bad }] },
        { n: 15, message: [{ n: 2, bytes: bad }] },
      ]);
      const resource = [{ n: 1, message: [{ n: 1, bytes: 'service.name' }, { n: 2, message: [{ n: 1, bytes: bad }] }] }];
      const body = encode([{ n: 1, message: [{ n: 1, message: resource }, { n: 2, message: [{ n: 1, message: [{ n: 1, bytes: bad }, { n: 2, bytes: bad }] }, { n: 2, message: span }] }] }]);
      expect(expectSame(body)!.bytes.includes(Buffer.from('\uFFFD'))).toBe(true);
    }
  });

  it('for every AnyValue kind rendered as model-rows.ts renders it', () => {
    const values: Field[][] = [
      [],
      [{ n: 2, varint: 1 }],
      [{ n: 2, varint: 2 ** 32 }],
      ...INTS.map((v) => [{ n: 3, varint: v }]),
      ...DOUBLES.map((v) => [{ n: 4, double: v }]),
      [{ n: 7, bytes: u8(1, 2, 3, 250) }],
      [{ n: 5, message: [{ n: 1, message: [{ n: 1, bytes: 'a"b' }] }, { n: 1, message: [{ n: 4, double: NaN }] }, { n: 1, message: [] }] }],
      [{ n: 6, message: [{ n: 1, message: [{ n: 1, bytes: 'z' }, { n: 2, message: [{ n: 3, varint: 1 }] }] }, { n: 1, message: [{ n: 1, bytes: 'a' }] }, { n: 1, message: [{ n: 1, bytes: 'z' }] }] }],
      [{ n: 1, bytes: 'string first' }, { n: 3, varint: 5 }],
      [{ n: 3, varint: 5 }, { n: 1, bytes: 'string last' }],
      [{ n: 5, message: [] }, { n: 1, bytes: 'string after an array' }],
      [{ n: 30, varint: 1 }],
    ];
    const attrs = values.map((v, i) => attribute(`k${i}`, v));
    for (const limits of LIMITS) {
      expectSame(wrapSpans([validSpan(attrs)]), limits);
      // The same values as service.name, which is rendered but never truncated.
      for (const v of values) expectSame(wrapSpans([validSpan()], [{ n: 1, message: [{ n: 1, bytes: 'service.name' }, { n: 2, message: v }] }]), limits);
    }
  });

  it('for values nested up to, at and past the depth limit', () => {
    for (const maxValueDepth of [undefined, 0, 1, 2, 3, 32, -1, 2.5]) {
      const limit = Math.max(0, Math.ceil(maxValueDepth ?? 32));
      for (const levels of [limit - 1, limit, limit + 1, limit + 2].filter((l) => l >= 0)) {
        const body = wrapSpans([validSpan([attribute('deep', nestedArrays(levels))])]);
        const result = expectSame(body, DEFAULT_SPAN_LIMITS, maxValueDepth === undefined ? undefined : { maxValueDepth });
        if (levels > limit) expect(result!.bytes.includes(Buffer.from(TOO_DEEP_MARKER))).toBe(true);
      }
      // Garbage past the limit is skipped, not decoded; within the limit it is a decode error.
      const garbage = [{ n: 5, message: [{ n: 1, bytes: u8(0x08) }] }]; // an element holding a truncated varint
      const past = expectSame(wrapSpans([validSpan([attribute('g', nestedArrays(limit, garbage))])]), DEFAULT_SPAN_LIMITS, maxValueDepth === undefined ? undefined : { maxValueDepth });
      expect(past).toBeDefined();
      if (limit > 0) {
        const within = expectSame(wrapSpans([validSpan([attribute('g', nestedArrays(limit - 1, garbage))])]), DEFAULT_SPAN_LIMITS, maxValueDepth === undefined ? undefined : { maxValueDepth });
        expect(within).toBeUndefined();
      }
    }
  });

  it('for invalid spans among valid ones: same rejection messages, counts and the first five only', () => {
    const bad: Field[][] = [
      validSpan().filter((f) => f.n !== 1),
      [{ n: 1, bytes: new Uint8Array(16) }, ...validSpan().filter((f) => f.n !== 1)],
      validSpan().filter((f) => f.n !== 2),
      [...validSpan(), { n: 4, bytes: u8(1, 2, 3) }],
      validSpan().filter((f) => f.n !== 7),
      [...validSpan(), { n: 7, fixed64: 0n }],
      [...validSpan(), { n: 8, fixed64: 2n ** 63n }],
      [...validSpan(), { n: 8, fixed64: BASE_TIME - 1n }],
      validSpan().filter((f) => f.n !== 8),
    ];
    const spans = bad.flatMap((s) => [validSpan(), s]);
    const result = expectSame(wrapSpans(spans))!;
    expect(result.rows).toBe(bad.length);
    expect(result.rejected).toBe(bad.length);
    expect(result.rejections).toHaveLength(5);
  });

  it('for a duration whose low 32 bits borrow, and event times past 2262', () => {
    const span = [
      { n: 1, bytes: TRACE_ID },
      { n: 2, bytes: SPAN_ID },
      { n: 7, fixed64: (5n << 32n) + 0xfffffff0n },
      { n: 8, fixed64: (7n << 32n) + 3n },
      { n: 11, message: [{ n: 1, fixed64: 2n ** 64n - 1n }] },
      { n: 11, message: [{ n: 2, bytes: 'no time' }] },
    ];
    expect(expectSame(wrapSpans([span]))!.rows).toBe(1);
  });

  it.each<[string, Buffer]>([
    ['wrong wire type at the top', encode([{ n: 1, varint: 1 }])],
    ['field number 0', encode([{ n: 0, varint: 1 }])],
    ['a group wire type', Buffer.from([0x0b])],
    ['an 11-byte varint', Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])],
    ['a length past the end', Buffer.from([0x0a, 0x05, 0x00])],
    ['wrong wire type for a span name', wrapSpans([validSpan([{ n: 5, varint: 3 }])])],
    ['wrong wire type for a start time', wrapSpans([validSpan([{ n: 7, fixed32: 3 }])])],
    ['a truncated fixed64 in an event', wrapSpans([validSpan([{ n: 11, bytes: u8(0x09, 1, 2, 3) }])])],
    ['a truncated double in a value', wrapSpans([validSpan([{ n: 9, bytes: u8(0x12, 0x03, 0x21, 0x01, 0x02) }])])],
    ['a bad value in a rejected span', wrapSpans([[...validSpan().filter((f) => f.n !== 1), attribute('k', [{ n: 2, bytes: 'x' }])]])],
    ['a bad value past the attribute limit', wrapSpans([validSpan([attribute('a', [{ n: 1, bytes: 'ok' }]), attribute('b', [{ n: 4, varint: 1 }])])])],
    ['a bad scope attribute', encode([{ n: 1, message: [{ n: 2, message: [{ n: 1, message: [{ n: 3, message: [{ n: 2, message: [{ n: 3, bytes: 'x' }] }] }] }] }] }])],
    ['a bad earlier resource', encode([{ n: 1, message: [{ n: 1, message: [{ n: 2, bytes: 'x' }] }, { n: 1, message: [] }] }])],
    ['a bad link flag', wrapSpans([validSpan([{ n: 13, message: [{ n: 6, varint: 1 }] }])])],
    ['a bad status code', wrapSpans([validSpan([{ n: 15, message: [{ n: 3, bytes: 'x' }] }])])],
    ['a bad nested kvlist key', wrapSpans([validSpan([attribute('k', [{ n: 6, message: [{ n: 1, message: [{ n: 1, varint: 1 }] }] }])])])],
  ])('gives the model decoder\'s error for %s', (_name, body) => {
    expect(expectSame(body, { maxAttributesPerSpan: 1, maxAttributeValueLength: 100 })).toBeUndefined();
    expect(() => encodeProtobufSpanRows(body)).toThrow(OtlpDecodeError);
  });

  it('for non-minimal varints in tags and lengths', () => {
    const name = Buffer.from('op');
    // Span.name (field 5) with a 2-byte tag and a 3-byte length.
    const spanBytes = Buffer.concat([encode(validSpan().filter((f) => f.n !== 5)), Buffer.from([0xaa, 0x00, 0x82, 0x80, 0x00]), name]);
    const scope = Buffer.concat([Buffer.from([0x12]), lengthOf(spanBytes), spanBytes]);
    const rs = Buffer.concat([Buffer.from([0x12]), lengthOf(scope), scope]);
    const body = Buffer.concat([Buffer.from([0x0a]), lengthOf(rs), rs]);
    expect(expectSame(body)!.rows).toBe(1);
  });
});

function lengthOf(b: Buffer): Buffer {
  return encode([{ n: 1, varint: b.length }]).subarray(1);
}

describe('the ingestor’s protobuf path', () => {
  function recordingSink(): RowSink & { written: EncodedRows[] } {
    const written: EncodedRows[] = [];
    return {
      written,
      async append(rows) {
        written.push(rows);
      },
    };
  }

  it('stores the model path’s rows and reports its rejections as partial success', async () => {
    const g = new Random(99);
    const limits = { maxAttributesPerSpan: 4, maxAttributeValueLength: 10 };
    for (let i = 0; i < 50; i++) {
      const body = request(g);
      const sink = recordingSink();
      const ingestor = createIngestor(sink, limits);
      const outcome = await ingestor.export(body, 'protobuf');
      const model = encodeSpanRows(decodeTraceRequestProtobuf(body), limits);
      expect(outcome).toMatchObject({ httpStatus: 200, grpcCode: 0 });
      expect(outcome.partialSuccess?.rejectedSpans ?? 0).toBe(model.rejected);
      expect(ingestor.counters).toEqual({ acceptedSpans: model.rows, rejectedSpans: model.rejected, truncatedValues: model.truncatedValues, droppedAttributes: model.droppedAttributes });
      expect(sink.written.map((w) => [w.rows, w.bytes.toString('hex')])).toEqual([[model.rows, model.bytes.toString('hex')]]);
    }
  });

  it('answers an undecodable body with 400 / INVALID_ARGUMENT naming the model decoder’s error, and stores nothing', async () => {
    const sink = recordingSink();
    const body = Buffer.from([0x0a, 0x05, 0x00]);
    const expected = modelPath(body, DEFAULT_SPAN_LIMITS);
    const outcome = await createIngestor(sink, DEFAULT_SPAN_LIMITS).export(body, 'protobuf');
    expect(outcome).toMatchObject({ httpStatus: 400, grpcCode: 3, retryable: false });
    expect(outcome.message).toBe(`cannot decode ExportTraceServiceRequest: ${'error' in expected ? expected.error.message : 'x'}`);
    expect(sink.written).toHaveLength(0);
  });
});
