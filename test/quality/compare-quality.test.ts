// compare with feedback and cost, on a population sent through the OTel SDK's protobuf exporter:
// v2 fails less often, but its users give it fewer thumbs-up and it costs more (a bigger model).
// The verdict must name all three, with exact numbers.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { calcPrice } from '@pydantic/genai-prices';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../queries/compare/compare.js';
import { search } from '../../queries/search.js';
import { versions } from '../../queries/versions.js';
import type { RunningCollector } from '../../service/start.js';
import { startTestCollector } from '../helpers/in-process-collector.js';
import { runCli } from '../helpers/run-cli.js';

let c: RunningCollector;
const traces: Record<string, string[]> = { '1.0.0': [], '2.0.0': [] };
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const N = 40;
const USAGE = { 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 200 };
const MODEL = { '1.0.0': 'gpt-4o-mini', '2.0.0': 'gpt-4o' } as const;

async function sendVersion(version: '1.0.0' | '2.0.0', errors: number): Promise<void> {
  let next = 0;
  // v2's trace ids are known in advance, so that feedback can be sent before its trace.
  const idGenerator = {
    generateTraceId: () => (version === '2.0.0' ? v2TraceId(next++) : randomBytes(16).toString('hex')),
    generateSpanId: () => randomBytes(8).toString('hex'),
  };
  const provider = new BasicTracerProvider({
    idGenerator,
    resource: resourceFromAttributes({ 'service.name': 'assistant', 'service.version': version, 'deployment.environment.name': 'production' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${c.otlpHttpUrl}/v1/traces` }), { maxExportBatchSize: 1000, scheduledDelayMillis: 10 })],
  });
  const tracer = provider.getTracer('compare-quality-test');
  for (let i = 0; i < N; i++) {
    const start = T0 + (version === '1.0.0' ? 0 : 3600) + i * 60;
    const root = tracer.startSpan('POST /ask', { kind: SpanKind.SERVER, startTime: [start, 0] });
    const llm = tracer.startSpan('chat', { kind: SpanKind.CLIENT, startTime: [start, 1_000_000], attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': MODEL[version], ...USAGE } }, trace.setSpan(context.active(), root));
    // Relevance, scored by a judge in the app: 0.8 vs 0.7 on average, alternating ±0.1.
    llm.addEvent('gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': (version === '1.0.0' ? 0.8 : 0.7) + (i % 2 ? 0.1 : -0.1) }, [start, 2_000_000]);
    llm.end([start, 300_000_000]);
    if (i < errors) root.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' });
    root.end([start, 400_000_000]);
    traces[version].push(root.spanContext().traceId);
  }
  await provider.forceFlush();
  await provider.shutdown();
}

const v2TraceId = (i: number) => `${'2'.repeat(24)}${i.toString(16).padStart(8, '0')}`;

async function post(body: unknown): Promise<void> {
  const res = await fetch(`${c.apiUrl}/api/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  c = await startTestCollector();
  // Thumbs for a v2 trace arrive before the trace itself: they join it once it is settled.
  await post({ traceId: v2TraceId(0), name: 'thumbs_up', value: 1, dataType: 'BOOLEAN' });
  await sendVersion('1.0.0', 10);
  await sendVersion('2.0.0', 1);
  const feedback: unknown[] = [];
  traces['1.0.0'].forEach((t, i) => {
    feedback.push({ trace_id: t, name: 'thumbs_up', value: i < 36, source: { source_type: 'HUMAN', source_id: `user-${i}` } });
    feedback.push({ trace_id: t, name: 'tone', value: i % 2 ? 'friendly' : 'neutral', source: { source_type: 'LLM_JUDGE', source_id: 'judge' } });
  });
  traces['2.0.0'].forEach((t, i) => {
    if (i > 0) feedback.push({ traceId: t, name: 'thumbs_up', value: i < 20 ? 1 : 0, dataType: 'BOOLEAN' });
    if (i < 10) feedback.push({ trace_id: t, name: 'tone', value: 'friendly', source: { source_type: 'LLM_JUDGE', source_id: 'judge' } });
  });
  await post(feedback);
  await c.flush();
}, 60_000);
afterAll(async () => {
  await c?.close();
});

describe('compare with feedback and cost', () => {
  it('says v2 fails less but is liked less and costs more, with exact numbers', async () => {
    const r = await compare(c.store.client, {
      service: 'assistant',
      environment: 'production',
      baseline: { version: '1.0.0' },
      candidate: { version: '2.0.0' },
      range: { fromMs: 0, toMs: Date.UTC(2100, 0) },
      minRequests: 20,
    });
    const errorRate = r.metrics.find((m) => m.name === 'errorRate')!;
    expect([errorRate.baseline, errorRate.candidate, errorRate.verdict]).toEqual([0.25, 0.025, 'better']);

    const thumbs = r.quality.find((m) => m.name === 'thumbs_up')!;
    expect(thumbs).toMatchObject({ type: 'boolean', direction: 'higher', baseline: { coverage: 1, count: 40, value: 0.9 }, candidate: { coverage: 1, count: 40, value: 0.5 }, verdict: 'worse' });
    expect(thumbs.delta).toBeCloseTo(-0.4, 12);
    expect(thumbs.test).toMatch(/proportion|Fisher/i);

    const relevance = r.quality.find((m) => m.name === 'relevance')!;
    expect(relevance).toMatchObject({ type: 'numeric', direction: 'higher', verdict: 'worse', test: 'Welch t-test' });
    expect(relevance.baseline.value).toBeCloseTo(0.8, 12);
    expect(relevance.candidate.value).toBeCloseTo(0.7, 12);
    // Both sides: sd = 0.1·√(40/39); the difference's interval is ±t(78)·√(2·0.01·40/39/40).
    expect(relevance.ciHigh! - relevance.ciLow!).toBeCloseTo(2 * 1.990847 * Math.sqrt((2 * 0.01) / 39), 5);

    const tone = r.quality.find((m) => m.name === 'tone')!;
    expect(tone).toMatchObject({ type: 'categorical', baseline: { coverage: 1, count: 40, shares: { friendly: 0.5, neutral: 0.5 } }, candidate: { coverage: 0.25, count: 10, shares: { friendly: 1 } } });
    expect(r.warnings.some((w) => w.includes('"tone" covers 100.0 % of the baseline\'s requests but 25.0 % of the candidate\'s'))).toBe(true);

    const price = (model: string) => calcPrice({ input_tokens: 1000, output_tokens: 200 }, model, { providerId: 'openai', timestamp: new Date(T0 * 1000) })!.total_price;
    expect(r.cost.baseline.perRequestUsd).toBeCloseTo(price('gpt-4o-mini'), 12);
    expect(r.cost.candidate.perRequestUsd).toBeCloseTo(price('gpt-4o'), 12);
    expect(r.cost.baseline.totalUsd).toBeCloseTo(N * price('gpt-4o-mini'), 10);
    expect(r.cost).toMatchObject({ verdict: 'worse', baseline: { llmCalls: N, unpricedCalls: 0 }, candidate: { llmCalls: N, unpricedCalls: 0, priceSources: ['genai-prices@0.1.8'] } });
    expect(r.regression).toBe(true);

    // versions shows the cost too, from the rollups.
    const v = (await versions(c.store.client, { service: 'assistant' })).versions;
    expect(v.map((x) => x.version)).toEqual(['1.0.0', '2.0.0']);
    expect(v[0].costPerRequestUsd).toBeCloseTo(price('gpt-4o-mini'), 9);
    expect(v[1].costUsd).toBeCloseTo(N * price('gpt-4o'), 9);
    // ...and its boolean and numeric feedback (tone, categorical, is compare's alone).
    const withFeedback = (await versions(c.store.client, { service: 'assistant', feedback: true })).versions;
    expect(v[0].feedback).toBeUndefined();
    const fb = (i: number) => withFeedback[i].feedback!.map((f) => ({ ...f, value: Math.round(f.value * 1e9) / 1e9 }));
    expect(fb(0)).toEqual([
      { name: 'relevance', type: 'numeric', value: 0.8, count: 40, coverage: 1 },
      { name: 'thumbs_up', type: 'boolean', value: 0.9, count: 40, coverage: 1 },
    ]);
    expect(fb(1)).toEqual([
      { name: 'relevance', type: 'numeric', value: 0.7, count: 40, coverage: 1 },
      { name: 'thumbs_up', type: 'boolean', value: 0.5, count: 40, coverage: 1 },
    ]);
    const raw = (await versions(c.store.client, { service: 'assistant', source: 'raw', feedback: true })).versions;
    // The rollups (the default) and the settled traces agree; float sums in another order differ past the 12th digit.
    const rounded = (r: typeof raw) => r.map((x) => x.feedback!.map((f) => ({ ...f, value: Number(f.value.toPrecision(12)) })));
    expect(rounded(raw)).toEqual(rounded(withFeedback));
    // The CLI prints them as columns: the most-rated names (a tie here: by name), rate or mean.
    const cli = await runCli(['versions', '--service', 'assistant', '--feedback', '--api', c.apiUrl]);
    const lines = cli.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/ cost\/req +relevance +thumbs_up$/);
    expect(lines.slice(2, 4).map((l) => l.split(/ {2,}/).slice(-3))).toEqual([
      [`$${price('gpt-4o-mini').toPrecision(3)}`, '0.80', '90.00 %'],
      [`$${price('gpt-4o').toPrecision(3)}`, '0.70', '50.00 %'],
    ]);
  });

  it('searches by feedback, expectations and assessments with MLflow\'s meaning', async () => {
    const count = async (filter: string) => (await search(c.store.client, { service: 'assistant', filter, limit: 500 })).traces.length;
    expect(await count("feedback.thumbs_up = 'false'")).toBe(4 + 20);
    expect(await count('feedback.thumbs_up = 1 AND version = \'2.0.0\'')).toBe(20);
    expect(await count('feedback.relevance > 0.85')).toBe(20);
    expect(await count("assessments.tone IN ('neutral')")).toBe(20);
    expect(await count("expectations.tone = 'neutral'")).toBe(0);
    expect(await count("feedback.tone LIKE 'friend%' AND version = '2.0.0'")).toBe(10);
  });

  it('takes a configured direction', async () => {
    const r = await compare(c.store.client, {
      service: 'assistant',
      baseline: { version: '1.0.0' },
      candidate: { version: '2.0.0' },
      range: { fromMs: 0, toMs: Date.UTC(2100, 0) },
      minRequests: 20,
      quality: { directions: { thumbs_up: 'lower' } },
    });
    expect(r.quality.find((m) => m.name === 'thumbs_up')).toMatchObject({ direction: 'lower', verdict: 'better' });
  });
});
