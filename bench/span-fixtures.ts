// Realistic spans for benchmarks: made by the real OpenTelemetry SDK (so they look like what apps
// send) and serialized to OTLP protobuf by the SDK's own serializer, in export-sized requests.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface FixtureOptions {
  spans: number;
  spansPerRequest: number;
  version?: string;
}

/** Export requests holding `spans` spans in total: a server span and an LLM client span per trace. */
export function makeProtobufRequests(opts: FixtureOptions): Buffer[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'chat-api',
      'service.version': opts.version ?? '1.4.2',
      'deployment.environment.name': 'production',
      'service.instance.id': 'pod-7f9c',
      'host.name': 'ip-10-0-3-17',
      'vcs.ref.head.revision': '3f2a9c1d7e',
      'telemetry.sdk.language': 'nodejs',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('verdict-bench', '1.0.0');
  for (let i = 0; i < opts.spans / 2; i++) {
    tracer.startActiveSpan('POST /v1/chat', { kind: SpanKind.SERVER }, (root) => {
      root.setAttributes({
        'http.request.method': 'POST',
        'http.route': '/v1/chat',
        'http.response.status_code': i % 17 === 0 ? 500 : 200,
        'url.path': '/v1/chat',
        'server.address': 'chat.example.com',
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
        'session.id': `sess-${i % 500}`,
        'user.id': `user-${i % 120}`,
        'client.address': '10.0.4.21',
        'network.protocol.version': '1.1',
        'app.feature_flag': 'new-retriever',
        'app.request_id': `req-${i}`,
      });
      // The parent is passed explicitly: no context manager is registered here, so the active span
      // would not carry over and the child would start a trace of its own.
      const child = tracer.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), root));
      child.setAttributes({
        'gen_ai.system': 'openai',
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.request.temperature': 0.2,
        'gen_ai.request.max_tokens': 1024,
        'gen_ai.usage.input_tokens': 812 + (i % 50),
        'gen_ai.usage.output_tokens': 233 + (i % 30),
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.response.id': `chatcmpl-${i}`,
        'server.address': 'api.openai.com',
        'server.port': 443,
      });
      child.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': 'Summarise the conversation so far.' });
      child.addEvent('gen_ai.content.completion', { 'gen_ai.completion': 'The user asked about their invoice.' });
      child.end();
      if (i % 17 === 0) root.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
      root.end();
    });
  }
  const spans = exporter.getFinishedSpans();
  const bodies: Buffer[] = [];
  for (let i = 0; i < spans.length; i += opts.spansPerRequest) {
    bodies.push(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans.slice(i, i + opts.spansPerRequest))!));
  }
  return bodies;
}
