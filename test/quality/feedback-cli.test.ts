// `verdict feedback import` (both shapes, a per-line error report) and `verdict feedback list`, and
// verdict/instrumentation's recordFeedback through the app's own OTLP exporter, against a collector
// started in this test.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFeedback } from '../../instrumentation/feedback.js';
import type { RunningCollector } from '../../service/start.js';
import { rows, startTestCollector } from '../helpers/in-process-collector.js';
import { runCli } from '../helpers/run-cli.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector();
});
afterAll(async () => {
  await c?.close();
});

const T = 'c0ffee00c0ffee00c0ffee00c0ffee00';

describe('verdict feedback', () => {
  it('imports a JSON-lines file in either shape, reporting each bad line with its field, and lists a trace\'s feedback', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'verdict-feedback-')), 'feedback.jsonl');
    writeFileSync(file, [
      JSON.stringify({ assessment_id: 'f-1', trace_id: T, assessment_name: 'correct', feedback: { value: true }, source: { source_type: 'LLM_JUDGE', source_id: 'judge-v1' }, rationale: 'matches', create_time: '2026-01-01T00:00:00Z' }),
      JSON.stringify({ id: 'lf-9', traceId: T, name: 'helpfulness', value: 4, dataType: 'NUMERIC', comment: 'good', timestamp: '2026-01-01T00:00:01Z' }),
      '{not json',
      JSON.stringify({ trace_id: T, assessment_name: 'answer', expectation: { value: 'Paris' }, create_time: '2026-01-01T00:00:02Z' }),
      JSON.stringify({ trace_id: T, name: 'x', value: 1, source: { source_type: 'ROBOT' } }),
      '',
    ].join('\n'));
    const imported = await runCli(['feedback', 'import', file, '--api', c.apiUrl]);
    expect(imported.code).toBe(1);
    expect(imported.stdout).toBe(`imported 3 of 5 assessments from ${file}\n`);
    expect(imported.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(new RegExp(`^${file}:3: line: not JSON`)),
      `${file}:5: source.source_type: must be one of HUMAN, LLM_JUDGE, CODE`,
    ]);
    await c.flush();
    const listed = await runCli(['feedback', 'list', '--trace', `tr-${T}`, '--json', '--api', c.apiUrl]);
    expect(listed.code).toBe(0);
    const doc = JSON.parse(listed.stdout) as { assessments: Array<Record<string, unknown>> };
    expect(doc.assessments.map((a) => [a.name, a.kind, a.value, a.sourceType, a.sourceId, a.origin, a.live])).toEqual([
      ['answer', 'expectation', 'Paris', 'HUMAN', '', 'api', true],
      ['correct', 'feedback', true, 'LLM_JUDGE', 'judge-v1', 'api', true],
      ['helpfulness', 'feedback', 4, 'HUMAN', 'langfuse:API', 'api', true],
    ]);
  });
});

describe('recordFeedback', () => {
  it('sends feedback through the app\'s own exporter: on the active span, or into a trace that has ended', async () => {
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${c.otlpHttpUrl}/v1/traces` }))] });
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const span = provider.getTracer('app').startSpan('POST /chat');
    const traceId = span.spanContext().traceId;
    context.with(trace.setSpan(context.active(), span), () => recordFeedback('grounded', 0.5, { sourceType: 'CODE', sourceId: 'checker' }));
    span.end();
    // Later, outside any span: the user's thumbs-down for that trace.
    recordFeedback('thumbs_up', false, { traceId, sourceId: 'user-7', rationale: 'wrong city', id: 'ui-123' });
    await provider.forceFlush();
    await provider.shutdown();
    trace.disable();
    context.disable();
    const got = await rows(c, 'SELECT Name, ValueType, Score, Label, SourceType, SourceId, Rationale, AssessmentId FROM verdict_assessments_live WHERE TraceId = {t:String} ORDER BY Name', { t: traceId });
    expect(got).toEqual([
      { Name: 'grounded', ValueType: 'number', Score: 0.5, Label: '', SourceType: 'CODE', SourceId: 'checker', Rationale: '', AssessmentId: expect.stringMatching(/^span-event-/) },
      { Name: 'thumbs_up', ValueType: 'boolean', Score: 0, Label: 'false', SourceType: 'HUMAN', SourceId: 'user-7', Rationale: 'wrong city', AssessmentId: 'ui-123' },
    ]);
    // The carrier span is a child inside the trace, never a request of its own.
    const [t] = await rows(c, 'SELECT sum(Requests) AS requests FROM verdict_traces_live WHERE TraceId = {t:String}', { t: traceId });
    expect(Number(t.requests)).toBe(1);
  });
});
