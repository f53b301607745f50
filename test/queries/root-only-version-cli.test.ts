// The version set on the root span only (MLflow's `app_version` tag, Langfuse's trace-level
// release), end to end: the real OpenTelemetry JS SDK exports over OTLP/HTTP protobuf to a
// collector process; each trace's spans arrive in different requests, some after a restart, and in
// opposite orders for the two versions (v1: LLM child spans first, root spans after the restart;
// v2: roots first, children after the restart). Then `verdict … --json` must count every trace once,
// in its version: tokens 102/50 and 2 spans per request, no '' version, no '' model group, child
// errors in their trace's version, and the rollups (version sides) equal to the settled traces
// (filter sides).
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollectorProcess, type CollectorProcess } from '../helpers/collector-process.js';
import { runCli } from '../helpers/run-cli.js';

const T0_S = Date.UTC(2026, 0, 5) / 1000;
const TRACES = 10;
// v1: 2 failed requests (root status ERROR); v2: 3, plus one failed LLM call inside an OK request.
const FAILED: Record<string, number[]> = { v1: [3, 7], v2: [1, 4, 8] };
const FAILED_CHILD: Record<string, number[]> = { v1: [], v2: [5] };

let c: CollectorProcess;

/** Every span of both versions, made with the SDK and kept in memory to be exported in parts. */
async function makeSpans(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  // The resource has no version or environment: only the root span carries them (as MLflow tags).
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'mlflow-app' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('root-only-version');
  for (const [v, version] of ['v1', 'v2'].entries()) {
    for (let i = 0; i < TRACES; i++) {
      const start = T0_S + v * 600 + i * 30;
      const root = tracer.startSpan('POST /chat', { kind: SpanKind.SERVER, startTime: [start, 0] });
      root.setAttributes({ app_version: version, environment: 'production' });
      const llm = tracer.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, startTime: [start, 1_000_000] }, trace.setSpan(context.active(), root));
      llm.setAttributes({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 100 + (i % 2) * 4, 'gen_ai.usage.output_tokens': 50 });
      if (FAILED_CHILD[version].includes(i)) llm.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
      llm.end([start, 51_000_000]);
      if (FAILED[version].includes(i)) root.setStatus({ code: SpanStatusCode.ERROR, message: 'model timed out' });
      root.end([start, 100_000_000 + i * 1_000_000]);
    }
  }
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

async function exportSpans(spans: ReadableSpan[]): Promise<void> {
  const exporter = new OTLPTraceExporter({ url: `${c.otlpHttpUrl}/v1/traces` });
  const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve));
  await exporter.shutdown();
  expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
}

const isRoot = (s: ReadableSpan) => !s.parentSpanContext;
const versionOf = (spans: ReadableSpan[], s: ReadableSpan) =>
  spans.find((r) => isRoot(r) && r.spanContext().traceId === s.spanContext().traceId)!.attributes.app_version;

beforeAll(async () => {
  const spans = await makeSpans();
  const part = (version: string, root: boolean) => spans.filter((s) => versionOf(spans, s) === version && isRoot(s) === root);
  c = await startCollectorProcess();
  await exportSpans(part('v1', false));
  await exportSpans(part('v2', true));
  await c.flush();
  expect(await c.stop()).toBe(0);
  c = await startCollectorProcess({ dataDir: c.dataDir });
  await exportSpans(part('v2', false));
  await exportSpans(part('v1', true));
  await c.flush();
});

afterAll(async () => {
  await c?.stop();
});

async function cli(...args: string[]): Promise<any> {
  const r = await runCli([...args, '--api', c.apiUrl, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}
const lines = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l));

describe('version on the root span only, spans in different requests and across a restart', () => {
  it('versions: one row per version, with each trace counted once (no phantom \'\' version)', async () => {
    const rows = lines(await cli('versions', '--service', 'mlflow-app'));
    expect(rows.map((r) => [r.version, r.environment, r.requests, r.errors, r.spansPerRequest, r.inputTokensPerRequest, r.outputTokensPerRequest])).toEqual([
      ['v1', 'production', 10, 2, 2, 102, 50],
      ['v2', 'production', 10, 3, 2, 102, 50],
    ]);
  });

  it('compare: tokens and spans per request are the same on both sides (no "better"), and the rollups equal the settled traces', async () => {
    const byVersion = JSON.parse(await cli('compare', '--service', 'mlflow-app', '--env', 'production', '--baseline', 'v1', '--candidate', 'v2', '--min-requests', '10', '--by', 'model'));
    expect(byVersion.baseline).toMatchObject({ requests: 10, errors: 2, errorRate: 0.2, inputTokensPerRequest: 102, outputTokensPerRequest: 50, spansPerRequest: 2 });
    expect(byVersion.candidate).toMatchObject({ requests: 10, errors: 3, errorRate: 0.3, inputTokensPerRequest: 102, outputTokensPerRequest: 50, spansPerRequest: 2 });
    for (const name of ['inputTokensPerRequest', 'outputTokensPerRequest', 'spansPerRequest']) {
      expect(byVersion.metrics.find((m: { name: string }) => m.name === name)).toMatchObject({ delta: 0, verdict: 'no_significant_difference' });
    }
    // --by model: one group, the model of the LLM child spans; no empty group.
    expect(byVersion.breakdown.groups.map((g: any) => [g.key, g.baseline.requests, g.baseline.errors, g.candidate.requests, g.candidate.errors])).toEqual([['gpt-4o', 10, 2, 10, 3]]);

    const byFilter = JSON.parse(await cli('compare', '--service', 'mlflow-app', '--env', 'production', '--baseline-filter', "version = 'v1'", '--candidate-filter', "version = 'v2'", '--min-requests', '10'));
    for (const side of ['baseline', 'candidate'] as const) {
      const { label: _l, version: _v, filter: _f, latencyMs: rollupLatency, ...fromRollups } = byVersion[side];
      const { label: _l2, version: _v2, filter: _f2, latencyMs: rawLatency, ...fromTraces } = byFilter[side];
      expect(fromTraces).toEqual(fromRollups);
      expect(rawLatency.mean).toBeCloseTo(rollupLatency.mean, 6);
    }
  });

  it('errors: failed requests and a failed LLM call are counted in their trace\'s version', async () => {
    const rows = lines(await cli('errors', '--service', 'mlflow-app', '--env', 'production'));
    expect(rows.map((r) => [r.version, r.spanName, r.message, r.count, r.requestErrors])).toEqual(expect.arrayContaining([
      ['v1', 'POST /chat', 'model timed out', 2, 2],
      ['v2', 'POST /chat', 'model timed out', 3, 3],
      ['v2', 'chat gpt-4o', 'rate limited', 1, 0],
    ]));
    expect(rows).toHaveLength(3);
  });
});
