import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Link } from '@opentelemetry/api';
import { ExportResultCode, TraceState, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InstrumentationError } from '../instrumentation/errors.js';
import { createExporter, resolveExportConfig } from '../instrumentation/exporter-from-env.js';
import { restoreSpans, snapshotSpans } from '../instrumentation/span-snapshot.js';
import { startOtlpJsonSink, type OtlpJsonSink } from './helpers/instrumentation-otlp-sink.js';

describe('resolveExportConfig', () => {
  it('defaults to http/protobuf on the local collector over IPv4', () => {
    expect(resolveExportConfig({}, {})).toEqual({
      kind: 'otlp',
      protocol: 'http/protobuf',
      url: 'http://127.0.0.1:4318/v1/traces',
      headers: undefined,
    });
  });

  it('defaults gRPC to port 4317', () => {
    expect(resolveExportConfig({}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatchObject({ protocol: 'grpc', url: 'http://127.0.0.1:4317' });
  });

  it('prefers the traces-specific protocol variable, and code over both', () => {
    const env = { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' };
    expect(resolveExportConfig({}, env)).toMatchObject({ protocol: 'http/json' });
    expect(resolveExportConfig({ protocol: 'http/protobuf' }, env)).toMatchObject({ protocol: 'http/protobuf' });
  });

  it('leaves the URL to the exporter when an endpoint variable is set, unless code gives one', () => {
    expect(resolveExportConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toMatchObject({ url: undefined });
    expect(resolveExportConfig({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/x' })).toMatchObject({ url: undefined });
    expect(
      resolveExportConfig({ url: 'https://verdict.example/v1/traces' }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }),
    ).toMatchObject({ url: 'https://verdict.example/v1/traces' });
  });

  it('honours OTEL_TRACES_EXPORTER=none and console', () => {
    expect(resolveExportConfig({}, { OTEL_TRACES_EXPORTER: 'none' })).toEqual({ kind: 'none' });
    expect(resolveExportConfig({}, { OTEL_TRACES_EXPORTER: 'console' })).toEqual({ kind: 'console' });
  });

  it('rejects an unknown protocol and a relative URL with typed errors', () => {
    const protocolError = (() => {
      try {
        resolveExportConfig({}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/thrift' });
      } catch (error) {
        return error;
      }
    })();
    expect(protocolError).toBeInstanceOf(InstrumentationError);
    expect(protocolError).toMatchObject({ code: 'UNSUPPORTED_OTLP_PROTOCOL' });
    expect(() => resolveExportConfig({ url: '/v1/traces' }, {})).toThrow(expect.objectContaining({ code: 'INVALID_EXPORT_URL' }));
  });
});

describe('createExporter', () => {
  it.each([
    ['http/protobuf', ProtoExporter],
    ['http/json', JsonExporter],
    ['grpc', GrpcExporter],
  ] as const)('builds the %s exporter', async (protocol, type) => {
    const exporter = createExporter({ kind: 'otlp', protocol, url: protocol === 'grpc' ? 'http://127.0.0.1:4317' : 'http://127.0.0.1:4318/v1/traces', headers: { a: 'b' } });
    expect(exporter).toBeInstanceOf(type);
    await exporter!.shutdown();
  });

  it('builds a console exporter, and none for none', () => {
    expect(createExporter({ kind: 'console' })).toBeInstanceOf(ConsoleSpanExporter);
    expect(createExporter({ kind: 'none' })).toBeUndefined();
  });
});

describe('exporting to an OTLP endpoint', () => {
  let sink: OtlpJsonSink;
  beforeAll(async () => {
    sink = await startOtlpJsonSink();
  });
  afterAll(() => sink.close());
  beforeEach(() => {
    sink.requests.length = 0;
    sink.spans.length = 0;
  });
  afterEach(() => vi.unstubAllEnvs());

  it('posts http/json to OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces with OTEL_EXPORTER_OTLP_HEADERS', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/json');
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', sink.url);
    vi.stubEnv('OTEL_EXPORTER_OTLP_HEADERS', 'x-api-key=s3cret');
    const result = await exportWith(createExporter(resolveExportConfig())!, sampleSpans());
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(sink.requests.map((r) => r.path)).toEqual(['/v1/traces']);
    expect(sink.requests[0]!.headers['x-api-key']).toBe('s3cret');
    expect(sink.spans.map((s) => s.name).sort()).toEqual(['child', 'other', 'root']);
  });

  it('posts to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'http/json');
    vi.stubEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', `${sink.url}/custom/traces`);
    await exportWith(createExporter(resolveExportConfig())!, sampleSpans());
    expect(sink.requests.map((r) => r.path)).toEqual(['/custom/traces']);
  });

  it('posts protobuf by default, with headers given in code', async () => {
    const config = resolveExportConfig({ url: `${sink.url}/v1/traces`, headers: { 'x-team': 'search' } }, {});
    const result = await exportWith(createExporter(config)!, sampleSpans());
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(sink.requests[0]!.headers['content-type']).toBe('application/x-protobuf');
    expect(sink.requests[0]!.headers['x-team']).toBe('search');
    expect(sink.requests[0]!.body.length).toBeGreaterThan(0);
  });

  it('exports spans restored from a JSON snapshot byte for byte like the originals', async () => {
    const config = resolveExportConfig({ protocol: 'http/json', url: `${sink.url}/v1/traces` }, {});
    const spans = sampleSpans();
    await exportWith(createExporter(config)!, spans);
    const restored = restoreSpans(JSON.parse(JSON.stringify(snapshotSpans(spans))));
    await exportWith(createExporter(config)!, restored);
    expect(sink.requests).toHaveLength(2);
    expect(sink.requests[1]!.body.toString()).toBe(sink.requests[0]!.body.toString());
  });
});

/** Two resources, a remote parent with a trace state, a parent/child pair with an event, a link and a status. */
function sampleSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const makeProvider = (name: string) =>
    new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': name, 'service.version': '1.2.3' }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
  const tracer = makeProvider('svc-a').getTracer('scope-a', '0.1.0');
  const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
    isRemote: true,
    traceState: new TraceState('vendor=abc'),
  });
  const root = tracer.startSpan(
    'root',
    { kind: SpanKind.SERVER, attributes: { 'session.id': 's1', n: 3, ok: true, list: ['a', 'b'] } },
    remoteParent,
  );
  const link: Link = { context: root.spanContext(), attributes: { why: 'retry' } };
  const child = tracer.startSpan('child', { links: [link], attributes: { ratio: 0.25 } }, trace.setSpan(ROOT_CONTEXT, root));
  child.addEvent('token', { index: 1 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  child.end();
  root.end();
  makeProvider('svc-b').getTracer('scope-b').startSpan('other').end();
  return memory.getFinishedSpans();
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve)).finally(() => exporter.shutdown()) as Promise<ExportResult>;
}
