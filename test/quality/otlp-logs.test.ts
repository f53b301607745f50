// OTLP logs: `gen_ai.evaluation.result` as a log record (the convention's event form), emitted by
// the OTel JS Logs SDK and serialised by OTLP's own serialisers (no OTLP logs exporter package is a
// dependency: the transport is a plain POST and a grpc-js call), over HTTP protobuf, HTTP JSON and
// gRPC. Records land in otel_logs and their evaluations in verdict_assessments.
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGS_EXPORT_PATH } from '../../collector/grpc-receiver.js';
import type { RunningCollector } from '../../service/start.js';
import { rows, startTestCollector } from '../helpers/in-process-collector.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector();
});
afterAll(async () => {
  await c?.close();
});

/** One evaluation event for `traceId`, as the Logs SDK records it. */
async function evaluationRecord(traceId: string, score: number): Promise<ReadableLogRecord[]> {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'judge' }), processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const ctx = trace.setSpanContext(context.active(), { traceId, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
  provider.getLogger('eval-harness', '1.2.0').emit({
    eventName: 'gen_ai.evaluation.result',
    context: ctx,
    timestamp: new Date('2026-01-01T00:00:00Z'),
    attributes: { 'gen_ai.evaluation.name': 'faithfulness', 'gen_ai.evaluation.score.value': score, 'gen_ai.evaluation.score.label': score > 0.5 ? 'pass' : 'fail', 'gen_ai.evaluation.explanation': 'checked against sources' },
  });
  await provider.forceFlush();
  const records = memory.getFinishedLogRecords();
  await provider.shutdown();
  return records;
}

const assessments = (traceId: string) =>
  rows(c, 'SELECT Name, SpanId, ValueType, Score, Label, Rationale, Origin, SourceId FROM verdict_assessments_live WHERE TraceId = {t:String}', { t: traceId });

function grpcExport(body: Uint8Array): Promise<Buffer> {
  const client = new Client(c.otlpGrpcAddress, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(LOGS_EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(body), new Metadata(), (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res!);
    });
  });
}

describe('gen_ai.evaluation.result as an OTLP log record', () => {
  it.each([
    ['HTTP protobuf', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1', 0.9],
    ['HTTP JSON', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2', 0.4],
    ['gRPC', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3', 0.7],
  ] as const)('over %s: stored in otel_logs and as an assessment of its trace', async (transport, traceId, score) => {
    const records = await evaluationRecord(traceId, score);
    if (transport === 'gRPC') {
      await grpcExport(ProtobufLogsSerializer.serializeRequest(records)!);
    } else {
      const json = transport === 'HTTP JSON';
      const body = (json ? JsonLogsSerializer : ProtobufLogsSerializer).serializeRequest(records)!;
      const res = await fetch(`${c.otlpHttpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': json ? 'application/json' : 'application/x-protobuf' }, body });
      expect(res.status).toBe(200);
    }
    const logs = await rows(c, 'SELECT ServiceName, ScopeName, EventName, SpanId, LogAttributes[\'gen_ai.evaluation.name\'] AS name FROM otel_logs WHERE TraceId = {t:String}', { t: traceId });
    expect(logs).toEqual([{ ServiceName: 'judge', ScopeName: 'eval-harness', EventName: 'gen_ai.evaluation.result', SpanId: 'b7ad6b7169203331', name: 'faithfulness' }]);
    expect(await assessments(traceId)).toEqual([
      { Name: 'faithfulness', SpanId: 'b7ad6b7169203331', ValueType: 'number', Score: score, Label: score > 0.5 ? 'pass' : 'fail', Rationale: 'checked against sources', Origin: 'log', SourceId: 'eval-harness' },
    ]);
  });

  it('rejects a bad record through partial success and keeps its neighbour', async () => {
    const record = (traceId: string) => ({ timeUnixNano: '1767225600000000000', traceId, eventName: 'gen_ai.evaluation.result', attributes: [{ key: 'gen_ai.evaluation.name', value: { stringValue: 'tone' } }, { key: 'gen_ai.evaluation.score.label', value: { stringValue: 'polite' } }] });
    const body = { resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ scope: { name: 's' }, logRecords: [record('abcdef'), record('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb4')] }] }] };
    const res = await fetch(`${c.otlpHttpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ partialSuccess: { rejectedLogRecords: '1', errorMessage: '1 log record(s) rejected: trace id of 3 bytes (expected 16)' } });
    expect((await assessments('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb4')).map((a) => [a.Name, a.ValueType, a.Label])).toEqual([['tone', 'string', 'polite']]);
  });
});
