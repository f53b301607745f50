// The same SDK spans exported by the real OpenTelemetry JS exporters over OTLP/gRPC (gzip),
// OTLP/HTTP protobuf and OTLP/HTTP JSON to one `verdict serve` process store identical rows: every
// column, the derived ones included. Exercises the serve banner's OTLP/gRPC line too.
import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, TraceState } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollectorProcess, type CollectorProcess } from './helpers/collector-process.js';

type GrpcCompression = NonNullable<NonNullable<ConstructorParameters<typeof GrpcExporter>[0]>['compression']>;

let collector: CollectorProcess;
beforeAll(async () => {
  collector = await startCollectorProcess({ args: ['--batch-max-delay-ms', '20'] });
});
afterAll(async () => {
  await collector?.kill();
});

const REMOTE_PARENT = {
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  traceFlags: TraceFlags.SAMPLED,
  traceState: new TraceState('vendor=abc,other=x:y'),
  isRemote: true,
};

/** Spans from two services (two resources), two scopes, every kind and status, all attribute types. */
async function makeSpans(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const providers = [
    new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': 'support-bot',
        'service.version': '2.4.0',
        'deployment.environment.name': 'production',
        'vcs.ref.head.revision': '0123abcd',
        'host.cores': 8,
      }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    }),
    new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'retriever', 'langfuse.release': 'r-17', environment: 'staging' }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    }),
  ];
  const [bot, retriever] = providers;
  const http = bot.getTracer('http-server', '1.2.3');
  const genai = bot.getTracer('gen-ai', '0.9.0');

  // A request continuing a remote trace (parent and trace state from the caller).
  const remote = trace.setSpanContext(context.active(), REMOTE_PARENT);
  const root = http.startSpan('POST /chat', { kind: SpanKind.SERVER, startTime: [1_750_000_000, 123_456_789] }, remote);
  root.setAttributes({
    'session.id': 'sess-ü-1',
    'enduser.id': 'user-7',
    'http.response.status_code': 200,
    'big.int': Number.MAX_SAFE_INTEGER,
    'neg.int': -42,
    ratio: 0.1,
    whole_double: 3,
    flag: true,
    empty: '',
    'tags.strings': ['a', 'b', ''],
    'tags.numbers': [1, 2.5, -3],
    'tags.bools': [true, false],
    'emoji.😀': 'naïve 😀 text\nwith newline and "quotes"',
  });
  root.addEvent('cache.miss', { key: 'k1', 'size.bytes': 512 }, [1_750_000_000, 200_000_001]);
  root.addEvent('no-attributes', undefined, [1_750_000_000, 200_000_002]);
  root.setStatus({ code: SpanStatusCode.OK });

  const rootCtx = trace.setSpan(context.active(), root);
  const llm = genai.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      startTime: [1_750_000_000, 300_000_000],
      attributes: { 'gen_ai.usage.input_tokens': 1234, 'gen_ai.usage.output_tokens': 56, 'gen_ai.request.model': 'gpt-4o' },
      links: [
        { context: { traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: 'bbbbbbbbbbbbbbbb', traceFlags: 1, traceState: new TraceState('l=1') }, attributes: { relation: 'follows', n: 1 } },
        { context: { traceId: 'cccccccccccccccccccccccccccccccc', spanId: 'dddddddddddddddd', traceFlags: 0 } },
      ],
    },
    rootCtx,
  );
  llm.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited (429)' });
  llm.recordException(new Error('upstream 429'), [1_750_000_000, 400_000_000]);
  llm.end([1_750_000_000, 900_000_007]);

  for (const [kind, name] of [
    [SpanKind.INTERNAL, 'render'],
    [SpanKind.PRODUCER, 'queue.publish'],
    [SpanKind.CONSUMER, 'queue.process'],
  ] as const) {
    http.startSpan(name, { kind, startTime: [1_750_000_001, 0] }, rootCtx).end([1_750_000_001, 1]);
  }
  root.end([1_750_000_002, 5]);

  // A second service's own root span in another trace.
  const search = retriever.getTracer('retriever').startSpan('vector.search', { kind: SpanKind.SERVER, startTime: [1_750_000_010, 0] });
  search.setAttribute('user.id', 'user-8');
  search.end([1_750_000_010, 250_000_000]);

  for (const p of providers) await p.forceFlush();
  const spans = memory.getFinishedSpans();
  for (const p of providers) await p.shutdown();
  return spans;
}

async function exportAll(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  const result = await new Promise<{ code: ExportResultCode; error?: Error }>((resolve) => exporter.export(spans, resolve));
  await exporter.shutdown();
  expect(result.error).toBeUndefined();
  expect(result.code).toBe(ExportResultCode.SUCCESS);
}

const COLUMNS = `*, AppVersion, Environment, SessionId, UserId, GitCommit, InputTokens, OutputTokens, IsRequest`;

/** Stored rows of the test's traces, each serialized whole, counted by identical serialization. */
async function storedRowCounts(traceIds: string[]): Promise<Map<string, number>> {
  const list = traceIds.map((t) => `'${t}'`).join(', ');
  // An export is acknowledged once durable; flushing makes it queryable now.
  await collector.flush();
  const stored = await collector.sql(`SELECT ${COLUMNS} FROM otel_traces WHERE TraceId IN (${list})`);
  const counts = new Map<string, number>();
  for (const row of stored) {
    const key = JSON.stringify(row);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('one set of spans over OTLP/gRPC, OTLP/HTTP protobuf and OTLP/HTTP JSON', () => {
  it('announces the gRPC endpoint in the serve banner', () => {
    expect(collector.otlpGrpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(collector.output()).toMatch(/^ {2}OTLP\/gRPC {2}127\.0\.0\.1:\d+$/m);
  });

  it('stores identical rows whatever the transport', async () => {
    const spans = await makeSpans();
    expect(spans).toHaveLength(6);
    const traceIds = [...new Set(spans.map((s) => s.spanContext().traceId))];

    const transports: Array<[string, () => SpanExporter]> = [
      ['grpc+gzip', () => new GrpcExporter({ url: collector.otlpGrpcUrl!, compression: 'gzip' as unknown as GrpcCompression })],
      ['http/protobuf', () => new ProtoExporter({ url: `${collector.otlpHttpUrl}/v1/traces` })],
      ['http/json', () => new JsonExporter({ url: `${collector.otlpHttpUrl}/v1/traces` })],
    ];

    let first: Map<string, number> | undefined;
    for (const [index, [name, makeExporter]] of transports.entries()) {
      await exportAll(makeExporter(), spans);
      const counts = await storedRowCounts(traceIds);
      // Each transport adds one more copy of exactly the same rows: nothing differs, nothing is lost.
      expect({ transport: name, distinctRows: counts.size }).toEqual({ transport: name, distinctRows: spans.length });
      for (const [row, n] of counts) expect({ transport: name, copies: n, row }).toEqual({ transport: name, copies: index + 1, row });
      first ??= counts;
      expect([...counts.keys()].sort()).toEqual([...first.keys()].sort());
    }

    // And the rows are the right ones (checked once; identical for all three transports).
    const list = traceIds.map((t) => `'${t}'`).join(', ');
    const sample = await collector.sql(
      `SELECT DISTINCT Timestamp, TraceId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ScopeName, StatusCode,
              StatusMessage, Duration, SpanAttributes, Events.Name AS EvName, Links.TraceState AS LinkStates,
              AppVersion, Environment, SessionId, UserId, GitCommit, InputTokens, OutputTokens, IsRequest
       FROM otel_traces WHERE TraceId IN (${list}) AND SpanName IN ('POST /chat', 'chat gpt-4o', 'vector.search') ORDER BY Timestamp`,
    );
    expect(sample).toMatchObject([
      {
        Timestamp: '2025-06-15 15:06:40.123456789',
        TraceId: REMOTE_PARENT.traceId,
        ParentSpanId: REMOTE_PARENT.spanId,
        TraceState: 'vendor=abc,other=x:y',
        SpanKind: 'Server',
        ServiceName: 'support-bot',
        ScopeName: 'http-server',
        StatusCode: 'Ok',
        Duration: 1876543216,
        SpanAttributes: expect.objectContaining({
          'big.int': '9007199254740991',
          'neg.int': '-42',
          ratio: '0.1',
          whole_double: '3',
          flag: 'true',
          empty: '',
          'tags.strings': '["a","b",""]',
          'tags.numbers': '[1,2.5,-3]',
          'tags.bools': '[true,false]',
          'emoji.😀': 'naïve 😀 text\nwith newline and "quotes"',
        }),
        EvName: ['cache.miss', 'no-attributes'],
        AppVersion: '2.4.0',
        Environment: 'production',
        SessionId: 'sess-ü-1',
        UserId: 'user-7',
        GitCommit: '0123abcd',
        IsRequest: 1,
      },
      {
        SpanName: 'chat gpt-4o',
        SpanKind: 'Client',
        ScopeName: 'gen-ai',
        StatusCode: 'Error',
        StatusMessage: 'rate limited (429)',
        Duration: 600000007,
        EvName: ['exception'],
        LinkStates: ['l=1', ''],
        InputTokens: 1234,
        OutputTokens: 56,
        IsRequest: 0,
      },
      {
        SpanName: 'vector.search',
        ServiceName: 'retriever',
        AppVersion: 'r-17',
        Environment: 'staging',
        UserId: 'user-8',
        IsRequest: 1,
      },
    ]);
  });
});
