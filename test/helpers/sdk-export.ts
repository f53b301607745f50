// Exports one span through a real OpenTelemetry SDK exporter, built while some OTEL_* variables
// are set (as an app would be configured), and reports how the export ended.
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Resolves with the export's error, or undefined when it succeeded. The variables stay set until
 * the export ends: some exporters read them only when they first connect.
 */
export async function exportOneSpan(makeExporter: () => SpanExporter, service: string, env: Record<string, string> = {}): Promise<Error | undefined> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const exporter = makeExporter();
  try {
    provider.getTracer('verdict-test').startSpan('sdk span').end();
    await provider.forceFlush();
    const result = await new Promise<ExportResult>((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
    return result.code === ExportResultCode.SUCCESS ? undefined : (result.error ?? new Error('export failed'));
  } finally {
    await exporter.shutdown();
    await provider.shutdown();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
