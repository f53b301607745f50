// A hand-written OTLP/JSON document and the same request hand-encoded as protobuf must decode to
// the same model and be stored as the same rows, covering every field of the trace schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { decodeTraceRequestJson } from '../collector/otlp/json-decoder.js';
import { decodeTraceRequestProtobuf } from '../collector/otlp/protobuf-decoder.js';
import { encodeSpanRows } from '../collector/encode/model-rows.js';
import { postOtlp, rows, startTestCollector } from './helpers/in-process-collector.js';
import { encode, hex, type Field } from './helpers/protobuf-writer.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const ROOT = 'eee19b7ec3c1b174';
const CHILD = 'eee19b7ec3c1b173';
const LINKED_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const LINKED_SPAN = '00f067aa0ba902b7';

const jsonDoc = {
  resourceSpans: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'checkout' } },
          { key: 'service.version', value: { stringValue: '2.3.1' } },
          { key: 'deployment.environment.name', value: { stringValue: 'staging' } },
        ],
        droppedAttributesCount: 1,
      },
      scopeSpans: [
        {
          scope: { name: 'my.library', version: '1.0.0', attributes: [{ key: 'scope.attr', value: { stringValue: 'x' } }] },
          spans: [
            {
              traceId: TRACE,
              spanId: ROOT,
              traceState: 'vendor=1',
              name: 'POST /checkout',
              kind: 2,
              flags: 1,
              startTimeUnixNano: '1544712660000000000',
              endTimeUnixNano: '1544712661000000123',
              attributes: [
                { key: 'str', value: { stringValue: 'héllo "quoted"' } },
                { key: 'bool', value: { boolValue: true } },
                { key: 'int', value: { intValue: '9223372036854775807' } },
                { key: 'negint', value: { intValue: -42 } },
                { key: 'double', value: { doubleValue: 3.25 } },
                { key: 'bytes', value: { bytesValue: 'AQID' } },
                { key: 'array', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '7' }, { boolValue: false }] } } },
                {
                  key: 'kvlist',
                  value: { kvlistValue: { values: [{ key: 'z', value: { doubleValue: 1.5 } }, { key: 'a', value: { arrayValue: { values: [] } } }] } },
                },
                { key: 'empty', value: {} },
                { key: 'session.id', value: { stringValue: 'sess-1' } },
              ],
              droppedAttributesCount: 2,
              events: [
                { timeUnixNano: '1544712660500000000', name: 'retry', attributes: [{ key: 'attempt', value: { intValue: 2 } }], droppedAttributesCount: 0 },
              ],
              droppedEventsCount: 3,
              links: [{ traceId: LINKED_TRACE, spanId: LINKED_SPAN, traceState: 'a=b', attributes: [{ key: 'why', value: { stringValue: 'batch' } }], flags: 1 }],
              droppedLinksCount: 4,
              status: { code: 2, message: 'card declined' },
            },
            {
              traceId: TRACE,
              spanId: CHILD,
              parentSpanId: ROOT,
              name: 'SELECT orders',
              kind: 3,
              startTimeUnixNano: 1544712660100000000,
              endTimeUnixNano: '1544712660200000000',
              status: { code: 1 },
            },
          ],
        },
      ],
    },
  ],
};

const kv = (key: string, value: Field[]): Field => ({ n: 1, message: [{ n: 1, bytes: key }, { n: 2, message: value }] });
const kvField = (n: number, key: string, value: Field[]): Field => ({ n, message: [{ n: 1, bytes: key }, { n: 2, message: value }] });
const s = (v: string): Field[] => [{ n: 1, bytes: v }];

const protobufBody = encode([
  {
    n: 1,
    message: [
      {
        n: 1,
        message: [
          kv('service.name', s('checkout')),
          kv('service.version', s('2.3.1')),
          kv('deployment.environment.name', s('staging')),
          { n: 2, varint: 1 },
        ],
      },
      {
        n: 2,
        message: [
          { n: 1, message: [{ n: 1, bytes: 'my.library' }, { n: 2, bytes: '1.0.0' }, kvField(3, 'scope.attr', s('x'))] },
          {
            n: 2,
            message: [
              { n: 1, bytes: hex(TRACE) },
              { n: 2, bytes: hex(ROOT) },
              { n: 3, bytes: 'vendor=1' },
              { n: 5, bytes: 'POST /checkout' },
              { n: 6, varint: 2 },
              { n: 7, fixed64: 1544712660000000000n },
              { n: 8, fixed64: 1544712661000000123n },
              kvField(9, 'str', s('héllo "quoted"')),
              kvField(9, 'bool', [{ n: 2, varint: 1 }]),
              kvField(9, 'int', [{ n: 3, varint: 9223372036854775807n }]),
              kvField(9, 'negint', [{ n: 3, varint: -42n }]),
              kvField(9, 'double', [{ n: 4, double: 3.25 }]),
              kvField(9, 'bytes', [{ n: 7, bytes: Uint8Array.from([1, 2, 3]) }]),
              kvField(9, 'array', [{ n: 5, message: [{ n: 1, message: s('a') }, { n: 1, message: [{ n: 3, varint: 7 }] }, { n: 1, message: [{ n: 2, varint: 0 }] }] }]),
              kvField(9, 'kvlist', [
                { n: 6, message: [kv('z', [{ n: 4, double: 1.5 }]), kv('a', [{ n: 5, message: [] }])] },
              ]),
              kvField(9, 'empty', []),
              kvField(9, 'session.id', s('sess-1')),
              { n: 10, varint: 2 },
              { n: 11, message: [{ n: 1, fixed64: 1544712660500000000n }, { n: 2, bytes: 'retry' }, kvField(3, 'attempt', [{ n: 3, varint: 2 }])] },
              { n: 12, varint: 3 },
              {
                n: 13,
                message: [{ n: 1, bytes: hex(LINKED_TRACE) }, { n: 2, bytes: hex(LINKED_SPAN) }, { n: 3, bytes: 'a=b' }, kvField(4, 'why', s('batch')), { n: 6, fixed32: 1 }],
              },
              { n: 14, varint: 4 },
              { n: 15, message: [{ n: 2, bytes: 'card declined' }, { n: 3, varint: 2 }] },
              { n: 16, fixed32: 1 },
              { n: 99, bytes: 'an unknown field the decoder must skip' },
            ],
          },
          {
            n: 2,
            message: [
              { n: 1, bytes: hex(TRACE) },
              { n: 2, bytes: hex(CHILD) },
              { n: 4, bytes: hex(ROOT) },
              { n: 5, bytes: 'SELECT orders' },
              { n: 6, varint: 3 },
              { n: 7, fixed64: 1544712660100000000n },
              { n: 8, fixed64: 1544712660200000000n },
              { n: 15, message: [{ n: 3, varint: 1 }] },
            ],
          },
        ],
      },
    ],
  },
]);

describe('OTLP decoders', () => {
  it('decode the JSON document and the protobuf body to the same model', () => {
    const fromJson = decodeTraceRequestJson(JSON.stringify(jsonDoc));
    const fromProto = decodeTraceRequestProtobuf(protobufBody);
    // Byte fields come back as Buffer (JSON) or Buffer subarray (protobuf): compare as plain bytes.
    const normal = (x: unknown) => JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v)));
    expect(normal(fromProto)).toEqual(normal(fromJson));
    const span = fromProto.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.attributes.find((a) => a.key === 'int')!.value).toEqual({ kind: 'int', value: 9223372036854775807n });
    expect(span.attributes.find((a) => a.key === 'negint')!.value).toEqual({ kind: 'int', value: -42n });
    expect(span).toMatchObject({ flags: 1, droppedAttributesCount: 2, droppedEventsCount: 3, droppedLinksCount: 4, traceState: 'vendor=1' });
    expect(span.links[0].flags).toBe(1);
    expect(fromProto.resourceSpans[0].resource.droppedAttributesCount).toBe(1);
    expect(fromProto.resourceSpans[0].scopeSpans[0].scope.attributes).toHaveLength(1);
  });

  it('encode both to byte-identical rows', () => {
    const a = encodeSpanRows(decodeTraceRequestJson(JSON.stringify(jsonDoc)));
    const b = encodeSpanRows(decodeTraceRequestProtobuf(protobufBody));
    expect(a.rows).toBe(2);
    expect(b.bytes.equals(a.bytes)).toBe(true);
  });
});

describe('stored rows', () => {
  let c: RunningCollector;
  beforeAll(async () => {
    c = await startTestCollector();
  });
  afterAll(async () => {
    await c?.close();
  });

  it('are the same for JSON and protobuf, with exporter-compatible values', async () => {
    const viaJson = await postOtlp(c, JSON.stringify(jsonDoc), { 'content-type': 'application/json' });
    expect(viaJson.status).toBe(200);
    expect(JSON.parse(viaJson.body.toString())).toEqual({});
    const viaProto = await postOtlp(c, protobufBody, { 'content-type': 'application/x-protobuf' });
    expect(viaProto.status).toBe(200);
    expect(viaProto.body.length).toBe(0);

    const stored = await rows(
      c,
      `SELECT *, AppVersion, Environment, SessionId, UserId, GitCommit, InputTokens, OutputTokens, IsRequest
       FROM otel_traces WHERE TraceId = {t:String} ORDER BY SpanId, _part`,
      { t: TRACE },
    );
    expect(stored).toHaveLength(4);
    const [child1, child2, root1, root2] = stored;
    expect(child2).toEqual(child1);
    expect(root2).toEqual(root1);
    expect(root1).toEqual({
      Timestamp: '2018-12-13 14:51:00.000000000',
      TraceId: TRACE,
      SpanId: ROOT,
      ParentSpanId: '',
      TraceState: 'vendor=1',
      SpanName: 'POST /checkout',
      SpanKind: 'Server',
      ServiceName: 'checkout',
      ResourceAttributes: { 'service.name': 'checkout', 'service.version': '2.3.1', 'deployment.environment.name': 'staging' },
      ScopeName: 'my.library',
      ScopeVersion: '1.0.0',
      SpanAttributes: {
        str: 'héllo "quoted"',
        bool: 'true',
        int: '9223372036854775807',
        negint: '-42',
        double: '3.25',
        bytes: 'AQID',
        array: '["a",7,false]',
        kvlist: '{"a":[],"z":1.5}',
        empty: '',
        'session.id': 'sess-1',
      },
      Duration: 1000000123,
      StatusCode: 'Error',
      StatusMessage: 'card declined',
      'Events.Timestamp': ['2018-12-13 14:51:00.500000000'],
      'Events.Name': ['retry'],
      'Events.Attributes': [{ attempt: '2' }],
      'Links.TraceId': [LINKED_TRACE],
      'Links.SpanId': [LINKED_SPAN],
      'Links.TraceState': ['a=b'],
      'Links.Attributes': [{ why: 'batch' }],
      AppVersion: '2.3.1',
      Environment: 'staging',
      SessionId: 'sess-1',
      UserId: '',
      GitCommit: '',
      InputTokens: 0,
      OutputTokens: 0,
      IsRequest: 1,
    });
    expect(child1).toMatchObject({
      ParentSpanId: ROOT,
      SpanKind: 'Client',
      StatusCode: 'Ok',
      Duration: 100000000,
      Timestamp: '2018-12-13 14:51:00.100000000',
      IsRequest: 0,
    });
  });
});
