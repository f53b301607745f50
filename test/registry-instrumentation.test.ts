// verdict/instrumentation's registerVersion(): one span through the app's own OTLP exporter to a
// real collector becomes a `registered` event of its service and version (the collector's view,
// migration 042), with its parameters, prompts and configuration, and counts as no request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { registerVersion } from '../instrumentation/register-version.js';
import type { RunningCollector } from '../service/start.js';
import { startTestCollector } from './helpers/in-process-collector.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector();
});
afterAll(async () => c?.close());

describe('registerVersion', () => {
  it('files the running version\'s parameters, prompts and configuration, and is not a request', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'reg-app', 'service.version': '3.1.0', 'deployment.environment.name': 'production', 'service.instance.id': 'pod-7', 'vcs.ref.head.revision': 'abc123' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${c.otlpHttpUrl}/v1/traces` }))],
    });
    registerVersion({ params: { temperature: 0.2, model: 'gpt-4.1' }, prompts: { system: 4 }, config: { retriever: { k: 8 } }, note: 'started' }, provider.getTracer('t'));
    await provider.forceFlush();
    await provider.shutdown();
    await c.flush();

    const record = (await (await fetch(`${c.apiUrl}/api/registry/versions/reg-app/3.1.0`)).json()) as Record<string, unknown>;
    expect(record).toMatchObject({ registered: true, commit: 'abc123', params: { temperature: '0.2', model: 'gpt-4.1' }, prompts: { system: '4' }, config: { retriever: { k: 8 } } });
    const { events } = (await (await fetch(`${c.apiUrl}/api/registry/events?service=reg-app`)).json()) as { events: Array<{ kind: string; actor: string }> };
    expect(events.map((e) => [e.kind, e.actor])).toEqual([['registered', 'app:pod-7']]);
    const { versions } = (await (await fetch(`${c.apiUrl}/api/versions?service=reg-app`)).json()) as { versions: Array<{ requests: number }> };
    expect(versions.reduce((n, v) => n + v.requests, 0)).toBe(0);
  });
});
