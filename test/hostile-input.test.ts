// Generated hostile input (more than 200 cases): garbled and truncated protobuf, wrong wire types,
// absurd lengths, nesting bombs, invalid UTF-8, 100k attributes, broken and mistyped JSON, wrong
// content types, huge headers, slow and excess clients. Each gets the specified 4xx or partial
// success, the process keeps serving, and valid spans sharing a request with bad ones are stored.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { TOO_DEEP_MARKER } from '../collector/otlp/protobuf-decoder.js';
import { postOtlp, rows, startTestCollector } from './helpers/in-process-collector.js';
import { encode, hex, lengthPrefix, nest, type Field } from './helpers/protobuf-writer.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector({
    'max-body-bytes': String(4 * 1024 * 1024),
    'max-attributes-per-span': '128',
    'max-attribute-value-length': '1000',
    'max-value-depth': '16',
    'max-concurrent-requests': '2',
    'request-timeout-ms': '1500',
  });
});
afterAll(async () => {
  await c?.close();
});

const PROTO = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

let seed = 20261123;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}

let idSeq = 0;
function ids(): { trace: string; span: string } {
  idSeq++;
  return { trace: idSeq.toString(16).padStart(32, 'a'), span: idSeq.toString(16).padStart(16, 'b') };
}

const str = (v: string | Buffer): Field[] => [{ n: 1, bytes: v }];
const attr = (n: number, key: string | Buffer, value: Field[]): Field => ({ n, message: [{ n: 1, bytes: key }, { n: 2, message: value }] });

function protoSpan(name: string | Buffer, extra: Field[] = [], id = ids()): Field {
  return {
    n: 2,
    message: [
      { n: 1, bytes: hex(id.trace) },
      { n: 2, bytes: hex(id.span) },
      { n: 5, bytes: name },
      { n: 7, fixed64: 1_700_000_000_000_000_000n },
      { n: 8, fixed64: 1_700_000_000_100_000_000n },
      ...extra,
    ],
  };
}

function protoRequest(spans: Field[]): Buffer {
  return encode([{ n: 1, message: [{ n: 1, message: [attr(1, 'service.name', str('hostile'))] }, { n: 2, message: spans }] }]);
}

function jsonSpan(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const id = ids();
  return { traceId: id.trace, spanId: id.span, name, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000', ...extra };
}

const jsonRequest = (spans: unknown[]) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });

async function count(name: string): Promise<number> {
  return Number((await rows(c, 'SELECT count() AS n FROM otel_traces WHERE SpanName = {name:String}', { name }))[0].n);
}

const seen = { cases: 0 };
async function send(body: Buffer | string, headers: Record<string, string>, allowed: number[], label: string) {
  seen.cases++;
  const res = await postOtlp(c, body, headers);
  expect(allowed, `${label}: got ${res.status} ${res.body.toString().slice(0, 200)}`).toContain(res.status);
  return res;
}

describe('hostile protobuf', () => {
  const valid = protoRequest([protoSpan('pb-valid-1'), protoSpan('pb-valid-2', [attr(9, 'k', str('v')), { n: 11, message: [{ n: 2, bytes: 'ev' }] }])]);

  it('truncated bodies: 400 or (cut on a boundary) 200, never a crash', async () => {
    for (let i = 0; i < 60; i++) {
      const cut = 1 + Math.floor(random() * (valid.length - 1));
      await send(valid.subarray(0, cut), PROTO, [200, 400], `truncated at ${cut}`);
    }
  });

  it('garbled bodies: 400 or 200 with whatever still parses', async () => {
    for (let i = 0; i < 60; i++) {
      const body = Buffer.from(valid);
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) body[Math.floor(random() * body.length)] = Math.floor(random() * 256);
      await send(body, PROTO, [200, 400], `garbled #${i}`);
    }
  });

  it('wrong wire types for known fields at every level: 400 naming the message', async () => {
    const wrong = (n: number, wt: number): Field => (wt === 0 ? { n, varint: 1 } : wt === 1 ? { n, fixed64: 1n } : wt === 5 ? { n, fixed32: 1 } : { n, bytes: 'x' });
    // [message, how to wrap a field into a whole request, known fields with their wire type]
    const levels: [string, (f: Field) => Buffer, [number, number][]][] = [
      ['ExportTraceServiceRequest', (f) => encode([f]), [[1, 2]]],
      ['ResourceSpans', (f) => encode([{ n: 1, message: [f] }]), [[1, 2], [2, 2], [3, 2]]],
      ['ScopeSpans', (f) => encode([{ n: 1, message: [{ n: 2, message: [f] }] }]), [[1, 2], [2, 2], [3, 2]]],
      ['Span', (f) => protoRequest([{ n: 2, message: [f] }]), [[1, 2], [2, 2], [3, 2], [4, 2], [5, 2], [6, 0], [7, 1], [8, 1], [9, 2], [10, 0], [11, 2], [12, 0], [13, 2], [14, 0], [15, 2], [16, 5]]],
      ['Status', (f) => protoRequest([protoSpan('x', [{ n: 15, message: [f] }])]), [[2, 2], [3, 0]]],
      ['KeyValue', (f) => protoRequest([protoSpan('x', [{ n: 9, message: [f] }])]), [[1, 2], [2, 2]]],
      ['AnyValue', (f) => protoRequest([protoSpan('x', [attr(9, 'k', [f])])]), [[1, 2], [2, 0], [3, 0], [4, 1], [5, 2], [6, 2], [7, 2]]],
    ];
    for (const [message, wrap, known] of levels) {
      for (const [field, expected] of known) {
        for (const wt of [0, 1, 2, 5].filter((w) => w !== expected)) {
          const res = await send(wrap(wrong(field, wt)), PROTO, [400], `${message} field ${field} wire ${wt}`);
          expect(res.body.toString()).toContain(`${message} field ${field} has wire type ${wt}, expected ${expected}`);
        }
      }
    }
    await send(encode([{ n: 1, varint: 1 }]).subarray(0, 1), PROTO, [400], 'tag only');
    await send(Buffer.from([0x0f]), PROTO, [400], 'wire type 7');
    await send(Buffer.from([0x03]), PROTO, [400], 'field 0');
    // Unknown fields are skipped whatever their wire type, as protobuf requires.
    await send(encode([{ n: 2, fixed32: 1 }, { n: 77, varint: 5 }]), PROTO, [200], 'unknown fields');
  });

  it('absurd length prefixes: 400, nothing allocated for them', async () => {
    const prefixes = [[0xff, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x80, 0x80, 0x80, 0x08], [0xff, 0xff, 0xff, 0x7f], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0x81, 0x01], [0x80]];
    for (const p of prefixes) {
      await send(Buffer.from([0x0a, ...p, 1, 2, 3]), PROTO, [400], `length ${Buffer.from(p).toString('hex')}`);
      await send(Buffer.concat([protoRequest([]), Buffer.from([0x0a, 0x05, 0x12, ...p, 0])]), PROTO, [400], `nested length ${Buffer.from(p).toString('hex')}`);
    }
  });

  it('nesting bombs are cut at the depth limit and the span is still stored', async () => {
    const key = encode([{ n: 1, bytes: 'k' }]);
    // AnyValue{array_value=5: ArrayValue{values=1: AnyValue}} and AnyValue{kvlist_value=6: KeyValueList{values=1: KeyValue{key, value=2}}}.
    const levels = {
      array: (inner: number) => {
        const values = lengthPrefix(1, inner);
        return Buffer.concat([lengthPrefix(5, values.length + inner), values]);
      },
      kvlist: (inner: number) => {
        const keyValue = Buffer.concat([key, lengthPrefix(2, inner)]);
        const values = lengthPrefix(1, keyValue.length + inner);
        return Buffer.concat([lengthPrefix(6, values.length + keyValue.length + inner), values, keyValue]);
      },
    };
    const names: [string, number][] = [];
    for (const depth of [10, 100, 1000, 20000]) {
      for (const kind of ['array', 'kvlist'] as const) {
        const value = nest(encode(str('leaf')), depth, levels[kind]);
        const name = `bomb-${kind}-${depth}`;
        names.push([name, depth]);
        await send(protoRequest([protoSpan(name, [{ n: 9, message: [{ n: 1, bytes: 'deep' }, { n: 2, bytes: value }] }])]), PROTO, [200], name);
      }
    }
    const stored = await rows(c, "SELECT SpanName AS name, SpanAttributes['deep'] AS v FROM otel_traces WHERE startsWith(SpanName, 'bomb-')");
    const byName = new Map(stored.map((r) => [String(r.name), String(r.v)]));
    for (const [name, depth] of names) {
      expect(byName.has(name), name).toBe(true);
      if (depth > 16) expect(byName.get(name), name).toContain(TOO_DEEP_MARKER);
      else expect(byName.get(name), name).toContain('leaf');
    }
  });

  it('invalid UTF-8 is stored as valid UTF-8 (replacement characters), the span kept', async () => {
    const bad = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xe2, 0x82]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80])];
    for (const [i, b] of bad.entries()) {
      for (const where of ['name', 'key', 'value']) {
        const name = `utf8-${i}-${where}`;
        const nameBytes = where === 'name' ? Buffer.concat([Buffer.from(name), b]) : name;
        const span = protoSpan(nameBytes, [attr(9, where === 'key' ? Buffer.concat([Buffer.from('k'), b]) : 'k', str(where === 'value' ? Buffer.concat([Buffer.from('v'), b]) : 'v'))]);
        await send(protoRequest([span]), PROTO, [200], name);
      }
    }
    const stored = await rows(
      c,
      `SELECT count() AS n, min(isValidUTF8(SpanName) AND arrayAll(x -> isValidUTF8(x), mapKeys(SpanAttributes))
                               AND arrayAll(x -> isValidUTF8(x), mapValues(SpanAttributes))) AS valid,
              countIf(position(SpanName, '\uFFFD') > 0 OR position(toString(SpanAttributes), '\uFFFD') > 0) AS replaced
       FROM otel_traces WHERE SpanName LIKE 'utf8-%'`,
    );
    expect(stored).toEqual([{ n: 15, valid: 1, replaced: 15 }]);
  });

  it('100k attributes: the span is stored with the configured maximum, the rest counted', async () => {
    const before = c.ingestor.counters.droppedAttributes;
    const many = Array.from({ length: 100_000 }, (_, i) => attr(9, `a${i}`, str('x')));
    await send(protoRequest([protoSpan('many-attributes', many)]), PROTO, [200], '100k attributes');
    const [row] = await rows(c, "SELECT length(mapKeys(SpanAttributes)) AS n FROM otel_traces WHERE SpanName = 'many-attributes'");
    expect(row.n).toBe(128);
    expect(c.ingestor.counters.droppedAttributes - before).toBe(100_000 - 128);
  });

  it('an over-long value is truncated and counted, not rejected', async () => {
    const before = c.ingestor.counters.truncatedValues;
    await send(protoRequest([protoSpan('long-value', [attr(9, 'big', str('y'.repeat(100_000)))])]), PROTO, [200], 'long value');
    const [row] = await rows(c, "SELECT length(SpanAttributes['big']) AS n FROM otel_traces WHERE SpanName = 'long-value'");
    expect(row.n).toBe(1000);
    expect(c.ingestor.counters.truncatedValues - before).toBe(1);
  });
});

describe('hostile JSON', () => {
  const valid = jsonRequest([jsonSpan('json-valid')]);

  it('invalid JSON: 400', async () => {
    for (let i = 0; i < 30; i++) {
      const cut = 1 + Math.floor(random() * (valid.length - 2));
      await send(valid.slice(0, cut), JSON_CT, [400], `json cut at ${cut}`);
    }
    for (const junk of ['', 'null', '[]', '"str"', '12', 'true', '{"resourceSpans":{}}', '{"resourceSpans":[1]}', '\u0000', '{\'a\':1}']) {
      await send(junk, JSON_CT, [400, 200], `junk ${JSON.stringify(junk)}`);
    }
  });

  it('a span with a wrongly typed field is rejected alone; its neighbours are stored', async () => {
    const wrongs: Record<string, unknown>[] = [
      { name: 5 }, { name: {} }, { kind: 'SIDEWAYS' }, { kind: 1.5 }, { traceId: 12 }, { traceId: 'zz'.repeat(16) }, { spanId: 'abc' },
      { parentSpanId: 'xyz' }, { startTimeUnixNano: true }, { startTimeUnixNano: '-5' }, { startTimeUnixNano: '1e18' },
      { endTimeUnixNano: [] }, { attributes: {} }, { attributes: [5] }, { attributes: [{ key: 1, value: {} }] },
      { attributes: [{ key: 'k', value: { intValue: 'twelve' } }] }, { attributes: [{ key: 'k', value: { boolValue: 'yes' } }] },
      { attributes: [{ key: 'k', value: { bytesValue: '!!!' } }] }, { attributes: [{ key: 'k', value: { doubleValue: 'x' } }] },
      { events: 'x' }, { events: [{ timeUnixNano: 'now' }] }, { links: [{ traceId: 7 }] }, { status: [] }, { status: { code: 'BAD' } },
      { flags: -1 }, { droppedAttributesCount: 'many' }, { endTimeUnixNano: '1600000000000000000' }, { traceId: '' },
    ];
    for (const [i, wrong] of wrongs.entries()) {
      const res = await send(jsonRequest([jsonSpan(`json-neighbour-${i}`), jsonSpan(`json-wrong-${i}`, wrong), jsonSpan(`json-neighbour-${i}`)]), JSON_CT, [200], `wrong ${JSON.stringify(wrong)}`);
      const body = JSON.parse(res.body.toString());
      expect(body.partialSuccess?.rejectedSpans, JSON.stringify(wrong)).toBe('1');
      expect(body.partialSuccess.errorMessage).toContain('spans[1]');
    }
    // One read after all of them: each request's neighbours are stored, no wrong span is.
    const stored = await rows(c, "SELECT SpanName AS name, count() AS n FROM otel_traces WHERE startsWith(SpanName, 'json-neighbour-') OR startsWith(SpanName, 'json-wrong-') GROUP BY name");
    const counts = new Map(stored.map((r) => [String(r.name), Number(r.n)]));
    for (const [i, wrong] of wrongs.entries()) {
      expect(counts.get(`json-neighbour-${i}`), JSON.stringify(wrong)).toBe(2);
      expect(counts.get(`json-wrong-${i}`), JSON.stringify(wrong)).toBeUndefined();
    }
  });

  it('wrong types above the span level: 400 naming the path', async () => {
    for (const doc of [
      { resourceSpans: [{ resource: 'x' }] },
      { resourceSpans: [{ resource: { attributes: 'x' } }] },
      { resourceSpans: [{ scopeSpans: 'x' }] },
      { resourceSpans: [{ scopeSpans: [{ scope: 5 }] }] },
      { resourceSpans: [{ scopeSpans: [{ spans: {} }] }] },
    ]) {
      const res = await send(JSON.stringify(doc), JSON_CT, [400], JSON.stringify(doc));
      expect(JSON.parse(res.body.toString()).message).toMatch(/resourceSpans\[0\]/);
    }
  });

  it('a JSON nesting bomb is cut or refused, never a crash', async () => {
    let value = '{"stringValue":"leaf"}';
    for (let i = 0; i < 5000; i++) value = `{"arrayValue":{"values":[${value}]}}`;
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[${JSON.stringify(jsonSpan('json-bomb')).slice(0, -1)},"attributes":[{"key":"deep","value":${value}}]}]}]}]}`;
    await send(body, JSON_CT, [200, 400], 'json nesting bomb');
  });
});

describe('hostile HTTP', () => {
  it('wrong content types: 415', async () => {
    for (const ct of ['text/plain', 'application/xml', 'application/grpc', 'multipart/form-data', 'application/x-www-form-urlencoded', 'application/octet-stream', 'image/png', 'application/jsonx', 'x-protobuf', 'application/x-protobuf-evil']) {
      await send('{}', { 'content-type': ct }, [415], ct);
    }
  });

  it('huge headers: 431, and the collector keeps serving', async () => {
    seen.cases++;
    // A raw socket, so the answer is read whatever the server does with the connection afterwards.
    const { port } = new URL(c.otlpHttpUrl);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.write(`POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Junk: ${'j'.repeat(64 * 1024)}\r\nContent-Length: 2\r\n\r\n{}`);
    const reply = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('error', () => resolve(data));
      socket.on('close', () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect((await postOtlp(c, jsonRequest([jsonSpan('after-huge-headers')]), JSON_CT)).status).toBe(200);
  });

  it('a client that stops sending mid-request is cut off after the request timeout', async () => {
    seen.cases++;
    const { port } = new URL(c.otlpHttpUrl);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"resourceSpans":');
    const reply = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolve(data));
    });
    expect(reply === '' || /^HTTP\/1\.1 (408|400)/.test(reply)).toBe(true);
  });

  it('more concurrent requests than allowed: 429 with Retry-After, then served again', async () => {
    seen.cases++;
    const { port } = new URL(c.otlpHttpUrl);
    // Two requests whose bodies never come. `Expect: 100-continue` makes the server say when it has
    // taken each one in, so the third request is sent only once both hold their slots.
    const holders = [0, 1].map(() => {
      const s = net.connect(Number(port), '127.0.0.1');
      s.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n');
      return s;
    });
    await Promise.all(holders.map((s) => new Promise<void>((resolve) => s.once('data', (d) => {
      expect(String(d)).toMatch(/^HTTP\/1\.1 100 Continue/);
      resolve();
    }))));
    const res = await postOtlp(c, valid(), JSON_CT);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBeTruthy();
    const done = holders.map((s) => new Promise((r) => s.once('data', r)));
    for (const s of holders) s.write('{}');
    await Promise.all(done);
    for (const s of holders) s.destroy();
    expect((await postOtlp(c, valid(), JSON_CT)).status).toBe(200);
  });

  it('after all of it, a valid request is stored, and more than 200 cases were tried', async () => {
    expect((await postOtlp(c, jsonRequest([jsonSpan('survivor')]), JSON_CT)).status).toBe(200);
    expect(await count('survivor')).toBe(1);
    expect(seen.cases).toBeGreaterThanOrEqual(200);
  });
});

function valid(): string {
  return jsonRequest([jsonSpan('concurrency')]);
}
