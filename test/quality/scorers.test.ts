// Code scorers: built-ins and user modules offline over stored traces, online in a collector as
// traces complete (a throwing and a hanging scorer record error assessments; ingest goes on), and
// the documented LLM-judge example against a local fake model.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScorer } from '../../quality/scorer.js';
import { scoreStored } from '../../quality/scoring.js';
import { PACKAGE_ROOT } from '../../schema/sql-files.js';
import type { RunningCollector } from '../../service/start.js';
import { rows, startTestCollector } from '../helpers/in-process-collector.js';

const dir = mkdtempSync(join(tmpdir(), 'verdict-scorers-'));
const module = (file: string, text: string) => {
  writeFileSync(join(dir, file), text);
  return join(dir, file);
};
const THROWS = module('throws.mjs', "export const version = '2';\nexport default function boom(t) { if (t.outputs === 'Lyon') throw new Error('cannot judge Lyon'); return t.outputs.length; }\n");
const HANGS = module('hangs.mjs', "export default function slow(t) { return t.outputs === 'Lyon' ? new Promise(() => {}) : true; }\n");

let c: RunningCollector;
let judge: Server;
let judgeUrl: string;
const judged: string[] = [];

/** Traces of a question and an answer (and a failing tool call when asked). */
async function send(answers: Array<{ answer: string; toolFails?: boolean }>): Promise<string[]> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'geo-bot', 'service.version': '1.0.0' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${c.otlpHttpUrl}/v1/traces` }), { scheduledDelayMillis: 10 })],
  });
  const tracer = provider.getTracer('scorer-test');
  const ids = answers.map(({ answer, toolFails }) => {
    const root = tracer.startSpan('POST /ask', { kind: SpanKind.SERVER, attributes: { 'input.value': 'Capital of France?' } });
    const ctx = trace.setSpan(context.active(), root);
    const llm = tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat', 'output.value': answer } }, ctx);
    llm.end();
    const tool = tracer.startSpan('execute_tool lookup', { attributes: { 'gen_ai.operation.name': 'execute_tool' } }, ctx);
    if (toolFails) tool.setStatus({ code: SpanStatusCode.ERROR });
    tool.end();
    root.end();
    return root.spanContext().traceId;
  });
  await provider.forceFlush();
  await provider.shutdown();
  await c.flush();
  return ids;
}

const byName = async (traceId: string) =>
  Object.fromEntries((await rows(c, 'SELECT Name, ValueType, Score, Label, Rationale, SourceId, Error FROM verdict_assessments_live WHERE TraceId = {t:String} AND Origin = \'scorer\'', { t: traceId })).map((r) => [r.Name, r]));

beforeAll(async () => {
  judge = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      const question = JSON.parse(body) as { messages: Array<{ content: string }> };
      judged.push(question.messages[1].content);
      const good = question.messages[1].content.includes('Paris');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: [{ message: { content: JSON.stringify({ score: good ? 5 : 1, reason: good ? 'correct capital' : 'wrong city' }) } }] }));
    });
  });
  await new Promise<void>((r) => judge.listen(0, '127.0.0.1', r));
  judgeUrl = `http://127.0.0.1:${(judge.address() as { port: number }).port}/v1/chat/completions`;
  c = await startTestCollector({ scorer: `builtin:output-present,${THROWS},${HANGS}`, 'scorer-timeout-ms': '200', 'scorer-quiet-ms': '0' });
}, 60_000);
afterAll(async () => {
  await c?.close();
  judge?.close();
});

describe('online scoring', () => {
  it('scores each completed trace once per scorer version; a throwing or hanging scorer records an error and ingest goes on', async () => {
    const [paris, lyon] = await send([{ answer: 'Paris' }, { answer: 'Lyon' }]);
    // The collector's own beat may get there first; either way each trace is scored once.
    await c.scoring!.runOnce();
    expect(await byName(paris)).toEqual({
      output_present: { Name: 'output_present', ValueType: 'boolean', Score: 1, Label: 'true', Rationale: '', SourceId: 'output_present@1', Error: '' },
      throws: { Name: 'throws', ValueType: 'number', Score: 5, Label: '', Rationale: '', SourceId: 'throws@2', Error: '' },
      hangs: { Name: 'hangs', ValueType: 'boolean', Score: 1, Label: 'true', Rationale: '', SourceId: 'hangs@1', Error: '' },
    });
    const failed = await byName(lyon);
    expect([failed.throws.ValueType, failed.throws.Error]).toEqual(['none', 'SCORER_ERROR: cannot judge Lyon']);
    expect([failed.hangs.ValueType, failed.hangs.Error]).toEqual(['none', 'SCORER_TIMEOUT: timed out after 200 ms']);
    // Ingest went on meanwhile, and nothing is scored twice.
    const [madrid] = await send([{ answer: 'Madrid' }]);
    await c.scoring!.runOnce();
    expect(Object.keys(await byName(madrid)).sort()).toEqual(['hangs', 'output_present', 'throws']);
    expect(await c.scoring!.runOnce()).toEqual({ scored: 0, errors: 0, skipped: 0 });
    const [versions] = await rows(c, "SELECT count() AS assessments, max(Versions) AS most FROM verdict_assessments_live WHERE Origin = 'scorer' AND TraceId IN {ids:Array(String)}", { ids: [paris, lyon, madrid] });
    expect(versions).toEqual({ assessments: 9, most: 1 });
  });
});

describe('offline scoring', () => {
  it('runs the built-ins and the documented LLM judge (against a local fake model) over stored traces', async () => {
    const [good, bad] = await send([{ answer: 'Paris' }, { answer: 'Lyon', toolFails: true }]);
    await fetch(`${c.apiUrl}/api/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ trace_id: good, name: 'expected_response', expectation: { value: 'paris' } }) });
    await c.flush();
    process.env.JUDGE_URL = judgeUrl;
    const scorers = await Promise.all(['builtin:expected-match', 'builtin:tool-errors', 'builtin:answer-length', join(PACKAGE_ROOT, 'examples', 'scorers', 'llm-judge.mjs')].map(loadScorer));
    const result = await scoreStored(c.store.client, scorers, { where: 'TraceId IN {ids:Array(String)}', params: { ids: [good, bad] } });
    expect(result).toEqual({ traces: 2, scored: 8, errors: 0, skipped: 0 });
    expect(judged).toHaveLength(2);
    expect(judged.every((q) => q.startsWith('Question:\nCapital of France?'))).toBe(true);
    const g = await byName(good);
    const b = await byName(bad);
    expect([g.expected_match.Score, b.expected_match.ValueType]).toEqual([1, 'none']);
    expect([g.tool_call_errors.Score, b.tool_call_errors.Score, b.tool_call_errors.Rationale]).toEqual([0, 1, '1 of 1 tool calls failed: execute_tool lookup']);
    expect([g.relevance.Score, g.relevance.Rationale, g.relevance.SourceId, b.relevance.Score]).toEqual([5, 'correct capital', 'relevance@1', 1]);
    expect(g.answer_length_ok.Score).toBe(1);
    // A second run scores nothing again.
    expect(await scoreStored(c.store.client, scorers, { where: 'TraceId IN {ids:Array(String)}', params: { ids: [good, bad] } })).toEqual({ traces: 2, scored: 0, errors: 0, skipped: 8 });
  });
});
