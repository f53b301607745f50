// The real OpenTelemetry JS SDK, exporting with its OTLP/HTTP protobuf and JSON exporters, to a
// collector started in this test: every span is stored exactly, derived columns included.
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { rows, startTestCollector } from './helpers/in-process-collector.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector();
});
afterAll(async () => {
  await c?.close();
});

async function exportWith(exporter: SpanExporter, version: string): Promise<{ root: Span; child: Span }> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'support-bot',
      'service.version': version,
      'deployment.environment.name': 'production',
      'vcs.ref.head.revision': 'abc123',
    }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('sdk-test', '0.0.1');
  const root = tracer.startSpan('POST /chat', { kind: SpanKind.SERVER, startTime: [1_700_000_000, 123_456_789] });
  root.setAttributes({
    'session.id': `session-${version}`,
    'user.id': 'u-42',
    'http.response.status_code': 500,
    'retry.ok': false,
    'score': 0.75,
    'tags': ['a', 'b'],
    'gen_ai.usage.input_tokens': 120,
    'gen_ai.usage.output_tokens': 45,
  });
  root.addEvent('exception', { 'exception.message': 'boom' }, [1_700_000_000, 200_000_000]);
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'model timed out' });
  const child = tracer.startSpan('chat gpt-4o', {
    kind: SpanKind.CLIENT,
    startTime: [1_700_000_000, 300_000_000],
    links: [{ context: { traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: 'bbbbbbbbbbbbbbbb', traceFlags: 1 }, attributes: { kind: 'follows' } }],
  }, trace.setSpan(context.active(), root));
  child.end([1_700_000_000, 800_000_001]);
  root.end([1_700_000_001, 0]);
  await provider.forceFlush();
  await provider.shutdown();
  return { root, child };
}

describe.each([
  ['http/protobuf', '1.0.0-proto', (url: string): SpanExporter => new ProtoExporter({ url })],
  ['http/json', '1.0.0-json', (url: string): SpanExporter => new JsonExporter({ url })],
])('OTel SDK exporter %s', (_name, version, makeExporter) => {
  it('stores every span exactly', async () => {
    const exporter = makeExporter(`${c.otlpHttpUrl}/v1/traces`);
    const { root, child } = await exportWith(exporter, version);
    const traceId = root.spanContext().traceId;
    const stored = await rows(
      c,
      `SELECT Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ScopeName, ScopeVersion,
              SpanAttributes, Duration, StatusCode, StatusMessage, Events.Timestamp AS EvTs, Events.Name AS EvName,
              Events.Attributes AS EvAttrs, Links.TraceId AS LinkTrace, Links.SpanId AS LinkSpan, Links.Attributes AS LinkAttrs,
              AppVersion, Environment, SessionId, UserId, GitCommit, InputTokens, OutputTokens, IsRequest
       FROM otel_traces WHERE TraceId = {t:String} ORDER BY Timestamp`,
      { t: traceId },
    );
    expect(stored).toEqual([
      {
        Timestamp: '2023-11-14 22:13:20.123456789',
        TraceId: traceId,
        SpanId: root.spanContext().spanId,
        ParentSpanId: '',
        SpanName: 'POST /chat',
        SpanKind: 'Server',
        ServiceName: 'support-bot',
        ScopeName: 'sdk-test',
        ScopeVersion: '0.0.1',
        SpanAttributes: {
          'session.id': `session-${version}`,
          'user.id': 'u-42',
          'http.response.status_code': '500',
          'retry.ok': 'false',
          score: '0.75',
          tags: '["a","b"]',
          'gen_ai.usage.input_tokens': '120',
          'gen_ai.usage.output_tokens': '45',
        },
        Duration: 876_543_211,
        StatusCode: 'Error',
        StatusMessage: 'model timed out',
        EvTs: ['2023-11-14 22:13:20.200000000'],
        EvName: ['exception'],
        EvAttrs: [{ 'exception.message': 'boom' }],
        LinkTrace: [],
        LinkSpan: [],
        LinkAttrs: [],
        AppVersion: version,
        Environment: 'production',
        SessionId: `session-${version}`,
        UserId: 'u-42',
        GitCommit: 'abc123',
        InputTokens: 120,
        OutputTokens: 45,
        IsRequest: 1,
      },
      {
        Timestamp: '2023-11-14 22:13:20.300000000',
        TraceId: traceId,
        SpanId: child.spanContext().spanId,
        ParentSpanId: root.spanContext().spanId,
        SpanName: 'chat gpt-4o',
        SpanKind: 'Client',
        ServiceName: 'support-bot',
        ScopeName: 'sdk-test',
        ScopeVersion: '0.0.1',
        SpanAttributes: {},
        Duration: 500_000_001,
        StatusCode: 'Unset',
        StatusMessage: '',
        EvTs: [],
        EvName: [],
        EvAttrs: [],
        LinkTrace: ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
        LinkSpan: ['bbbbbbbbbbbbbbbb'],
        LinkAttrs: [{ kind: 'follows' }],
        AppVersion: version,
        Environment: 'production',
        SessionId: '',
        UserId: '',
        GitCommit: 'abc123',
        InputTokens: 0,
        OutputTokens: 0,
        IsRequest: 0,
      },
    ]);
  });
});
