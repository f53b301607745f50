// Assessments and cost, end to end through a real collector: spans from the OTel SDK's protobuf
// exporter (with a gen_ai.evaluation.result span event), feedback posted in MLflow's and Langfuse's
// shapes (before and after its trace), and each trace's cost priced at settle time.
import { context, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { calcPrice } from '@pydantic/genai-prices';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningCollector } from '../../service/start.js';
import { rows, startTestCollector } from '../helpers/in-process-collector.js';

vi.setConfig({ testTimeout: 20_000 });

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector();
});
afterAll(async () => {
  await c?.close();
});

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z

/** One trace: a server span and an LLM child with these attributes; returns the trace id. */
async function sendTrace(version: string, llm: Record<string, string | number>, evaluation?: Record<string, string | number>): Promise<string> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'chat', 'service.version': version }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${c.otlpHttpUrl}/v1/traces` }))],
  });
  const tracer = provider.getTracer('quality-test');
  const root = tracer.startSpan('POST /chat', { kind: SpanKind.SERVER, startTime: [T0, 0] });
  const child = tracer.startSpan('chat', { kind: SpanKind.CLIENT, startTime: [T0, 1_000_000], attributes: llm }, trace.setSpan(context.active(), root));
  if (evaluation) child.addEvent('gen_ai.evaluation.result', evaluation, [T0, 2_000_000]);
  child.end([T0, 500_000_000]);
  root.end([T0, 600_000_000]);
  await provider.forceFlush();
  await provider.shutdown();
  return root.spanContext().traceId;
}

async function postFeedback(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${c.apiUrl}/api/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  // Acknowledged once queued on disk: flushed, so that the assertions read it stored.
  await c.flush();
  return { status: res.status, json };
}

const live = (traceId: string) =>
  rows(c, 'SELECT Name, Kind, SourceType, SourceId, ValueType, Score, Label, Rationale, Origin, Versions FROM verdict_assessments_live WHERE TraceId = {t:String} ORDER BY Name, SourceId', { t: traceId });

describe('cost, priced when the trace settles', () => {
  it('prices cached input apart, lets a reported cost win, and names an unpriced model', async () => {
    const usage = { 'gen_ai.usage.input_tokens': 1200, 'gen_ai.usage.output_tokens': 300, 'gen_ai.usage.cache_read.input_tokens': 1000 };
    const priced = await sendTrace('1.0.0', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06', ...usage });
    const reported = await sendTrace('1.0.0', { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'llm.cost.total': 0.25, ...usage });
    const unknown = await sendTrace('1.0.0', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'my-finetune-7b', ...usage });
    const got = await rows(c, 'SELECT TraceId, Cost, LlmCalls, UnpricedCalls, UnpricedModels, PriceSources FROM verdict_traces_live WHERE ServiceName = {s:String} ORDER BY TraceId', { s: 'chat' });
    const byId = Object.fromEntries(got.map((r) => [r.TraceId, r]));
    const expected = calcPrice({ input_tokens: 1200, cache_read_tokens: 1000, output_tokens: 300 }, 'gpt-4o-2024-08-06', { providerId: 'openai', timestamp: new Date(T0 * 1000) })!.total_price;
    expect(expected).toBeGreaterThan(0);
    expect(Number(byId[priced].Cost)).toBeCloseTo(expected, 12);
    expect(byId[priced]).toMatchObject({ LlmCalls: 1, UnpricedCalls: 0, UnpricedModels: [], PriceSources: ['genai-prices@0.1.8'] });
    expect(Number(byId[reported].Cost)).toBeCloseTo(0.25, 12);
    expect(byId[reported]).toMatchObject({ LlmCalls: 1, UnpricedCalls: 0, PriceSources: [] });
    expect(Number(byId[unknown].Cost)).toBe(0);
    expect(byId[unknown]).toMatchObject({ LlmCalls: 1, UnpricedCalls: 1, UnpricedModels: ['openai/my-finetune-7b'] });
    const [rollup] = await rows(c, "SELECT sum(CostNanoUsd) AS nanos, sum(UnpricedCalls) AS unpriced FROM verdict_rollup_1m WHERE ServiceName = 'chat'");
    expect(Number(rollup.nanos)).toBe(Math.round(expected * 1e9) + 250_000_000);
    expect(Number(rollup.unpriced)).toBe(1);
  });
});

describe('assessments', () => {
  it('stores a gen_ai.evaluation.result span event as feedback on its trace', async () => {
    const id = await sendTrace('1.0.0', { 'gen_ai.request.model': 'gpt-4o' }, {
      'gen_ai.evaluation.name': 'relevance',
      'gen_ai.evaluation.score.value': 0.75,
      'gen_ai.evaluation.score.label': 'relevant',
      'gen_ai.evaluation.explanation': 'on topic',
    });
    expect(await live(id)).toEqual([
      { Name: 'relevance', Kind: 'feedback', SourceType: 'CODE', SourceId: 'quality-test', ValueType: 'number', Score: 0.75, Label: 'relevant', Rationale: 'on topic', Origin: 'span_event', Versions: 1 },
    ]);
  });

  it('keeps feedback for a trace not seen yet, overrides by (trace, name, source) keeping history, and is idempotent on the client id', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const thumbs = (id: string, value: boolean, time: string) => ({
      assessment_id: id, trace_id: `tr-${traceId}`, assessment_name: 'thumbs_up', source: { source_type: 'HUMAN', source_id: 'alice' },
      feedback: { value }, create_time: time, rationale: value ? 'good' : 'bad',
    });
    expect((await postFeedback(thumbs('a-1', false, '2026-01-01T00:01:00Z'))).status).toBe(200);
    expect((await postFeedback([thumbs('a-2', true, '2026-01-01T00:02:00Z'), thumbs('a-1', false, '2026-01-01T00:01:00Z')])).json.accepted).toBe(2);
    // Langfuse's score shape, another source: kept beside alice's.
    expect((await postFeedback({ id: 'lf-1', traceId, name: 'thumbs_up', value: 0, dataType: 'BOOLEAN', comment: 'meh' })).status).toBe(200);
    expect(await live(traceId)).toEqual([
      { Name: 'thumbs_up', Kind: 'feedback', SourceType: 'HUMAN', SourceId: 'alice', ValueType: 'boolean', Score: 1, Label: 'true', Rationale: 'good', Origin: 'api', Versions: 2 },
      { Name: 'thumbs_up', Kind: 'feedback', SourceType: 'HUMAN', SourceId: 'langfuse:API', ValueType: 'boolean', Score: 0, Label: 'false', Rationale: 'meh', Origin: 'api', Versions: 1 },
    ]);
    const [history] = await rows(c, 'SELECT count() AS n, uniqExact(AssessmentId) AS ids FROM verdict_assessments FINAL WHERE TraceId = {t:String}', { t: traceId });
    expect(history).toEqual({ n: 3, ids: 3 });
  });

  it('answers 400 naming the field, and stores nothing of a bad request', async () => {
    const bad = await postFeedback([
      { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', name: 'ok', value: 1 },
      { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', name: 'x', source: { source_type: 'ROBOT' }, value: 1 },
    ]);
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ field: '[1].source.source_type' });
    expect((await postFeedback({ name: 'x', value: 1 })).json).toMatchObject({ field: 'trace_id' });
    expect((await postFeedback({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', name: 'x', value: 'a', dataType: 'NUMERIC' })).json).toMatchObject({ field: 'value' });
    expect(await live('4bf92f3577b34da6a3ce929d0e0e4736')).toEqual([]);
  });
});
