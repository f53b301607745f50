// Both encoders write the otel_traces row contract (schema/otel-traces.ts) column for column: a span
// with a distinctive value in every column is encoded by the model path and the fused protobuf
// path, read back by the contract's types, and stored by the engine, then checked by column name.
// A write out of order in either encoder changes a named column here (or misreads the row).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSpanRows } from '../collector/encode/model-rows.js';
import { encodeProtobufSpanRows } from '../collector/encode/wire-rows.js';
import { decodeTraceRequestProtobuf } from '../collector/otlp/protobuf-decoder.js';
import { applySchema } from '../schema/apply-schema.js';
import { OTEL_TRACES_COLUMNS } from '../schema/otel-traces.js';
import { loadConfig } from '../store/config.js';
import { openStore, type Store } from '../store/store.js';
import { encode, hex, type Field } from './helpers/protobuf-writer.js';
import { readRowBinaryRows, type RowBinaryValue } from './helpers/rowbinary-reader.js';

const START = 1_700_000_000_123_456_789n;
const ids = {
  trace: '0102030405060708090a0b0c0d0e0f10',
  span: '1112131415161718',
  parent: '2122232425262728',
  linkTrace: '3132333435363738393a3b3c3d3e3f40',
  linkSpan: '4142434445464748',
};

const attribute = (n: number, key: string, value: string): Field => ({ n, message: [{ n: 1, bytes: key }, { n: 2, message: [{ n: 1, bytes: value }] }] });

/** One span whose every column holds a value no other column holds. */
function request(spanName: string): Buffer {
  const span: Field[] = [
    { n: 1, bytes: hex(ids.trace) },
    { n: 2, bytes: hex(ids.span) },
    { n: 3, bytes: 'trace-state' },
    { n: 4, bytes: hex(ids.parent) },
    { n: 5, bytes: spanName },
    { n: 6, varint: 3 }, // CLIENT
    { n: 7, fixed64: START },
    { n: 8, fixed64: START + 42_000n },
    attribute(9, 'span.key', 'span-value'),
    { n: 11, message: [{ n: 1, fixed64: START + 7n }, { n: 2, bytes: 'event-name' }, attribute(3, 'event.key', 'event-value')] },
    { n: 13, message: [{ n: 1, bytes: hex(ids.linkTrace) }, { n: 2, bytes: hex(ids.linkSpan) }, { n: 3, bytes: 'link-state' }, attribute(4, 'link.key', 'link-value')] },
    { n: 15, message: [{ n: 2, bytes: 'status-message' }, { n: 3, varint: 2 }] }, // ERROR
  ];
  const resource: Field = { n: 1, message: [attribute(1, 'service.name', 'service-name'), attribute(1, 'resource.key', 'resource-value')] };
  const scope: Field = { n: 1, message: [{ n: 1, bytes: 'scope-name' }, { n: 2, bytes: 'scope-version' }] };
  return encode([{ n: 1, message: [resource, { n: 2, message: [scope, { n: 2, message: span }] }] }]);
}

/** What each column must hold, by name; times and Duration as bigint. */
function expectedRow(spanName: string): Record<string, RowBinaryValue> {
  return {
    Timestamp: START,
    TraceId: ids.trace,
    SpanId: ids.span,
    ParentSpanId: ids.parent,
    TraceState: 'trace-state',
    SpanName: spanName,
    SpanKind: 'Client',
    ServiceName: 'service-name',
    ResourceAttributes: { 'service.name': 'service-name', 'resource.key': 'resource-value' },
    ScopeName: 'scope-name',
    ScopeVersion: 'scope-version',
    SpanAttributes: { 'span.key': 'span-value' },
    Duration: 42_000n,
    StatusCode: 'Error',
    StatusMessage: 'status-message',
    'Events.Timestamp': [START + 7n],
    'Events.Name': ['event-name'],
    'Events.Attributes': [{ 'event.key': 'event-value' }],
    'Links.TraceId': [ids.linkTrace],
    'Links.SpanId': [ids.linkSpan],
    'Links.TraceState': ['link-state'],
    'Links.Attributes': [{ 'link.key': 'link-value' }],
  };
}

const encoders: [string, (body: Buffer) => Buffer][] = [
  ['model path (encodeSpanRows)', (body) => encodeSpanRows(decodeTraceRequestProtobuf(body)).bytes],
  ['fused path (encodeProtobufSpanRows)', (body) => encodeProtobufSpanRows(body).bytes],
];

/** Bigints as the strings the engine's JSON output gives for 64-bit integers. */
function asJson(value: RowBinaryValue): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** A SELECT expression per contract column that the engine outputs as asJson() writes the value. */
function selectExpression(name: string, type: string): string {
  const column = `\`${name}\``;
  if (type === 'DateTime64(9)') return `toString(toUnixTimestamp64Nano(${column}))`;
  if (type === 'Array(DateTime64(9))') return `arrayMap(t -> toString(toUnixTimestamp64Nano(t)), ${column})`;
  if (type === 'UInt64') return `toString(${column})`;
  return column;
}

describe('both encoders follow the otel_traces row contract', () => {
  let store: Store;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verdict-row-contract-'));
    store = openStore(loadConfig({}, { 'data-dir': dir }));
    await applySchema(store.client);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('the test span has a value for every contract column, and no other', () => {
    expect(Object.keys(expectedRow('x'))).toEqual(OTEL_TRACES_COLUMNS.map((c) => c.name));
  });

  it.each(encoders)('%s: read back by the contract types, every named column holds its value', (_name, encodeRows) => {
    const rows = readRowBinaryRows(encodeRows(request('span-name')), OTEL_TRACES_COLUMNS);
    expect(rows).toHaveLength(1);
    for (const { name } of OTEL_TRACES_COLUMNS) expect(rows[0][name], name).toEqual(expectedRow('span-name')[name]);
  });

  it.each(encoders)('%s: stored through the insert statement, every column is read back by name', async (name, encodeRows) => {
    const spanName = `stored by the ${name}`;
    const file = join(dir, `${spanName.replace(/\W+/g, '-')}.rb`);
    writeFileSync(file, encodeRows(request(spanName)));
    await store.insertSegment(file, `row-contract ${name}`);
    const columns = OTEL_TRACES_COLUMNS.map(({ name: column, type }) => `${selectExpression(column, type)} AS \`${column}\``).join(', ');
    const stored = await (
      await store.client.query({ query: `SELECT ${columns} FROM otel_traces WHERE SpanName = {name:String}`, query_params: { name: spanName }, format: 'JSONEachRow' })
    ).json<Record<string, unknown>>();
    expect(stored).toHaveLength(1);
    const expected = asJson(expectedRow(spanName)) as Record<string, unknown>;
    for (const { name: column } of OTEL_TRACES_COLUMNS) expect(stored[0][column], column).toEqual(expected[column]);
  });
});
