// Self-observability: /metrics is valid Prometheus text whose numbers follow what really happened
// (spans accepted, rejected, truncated and dropped; queue appends, commits, depth; inserts;
// responses per receiver and status, gRPC included; spans recovered after a crash; a request
// refused and sent again counted once), and /readyz
// answers 503 with a JSON reason when the store is unreachable, the schema is missing or the
// queue is at its budget.
import { Client, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { decodeTraceRequestJson } from '../collector/otlp/json-decoder.js';
import { TRACE_EXPORT_PATH } from '../collector/grpc-receiver.js';
import { encodeSpanRows } from '../collector/encode/model-rows.js';
import { startCollectorProcess } from './helpers/collector-process.js';
import { postOtlp, startTestCollector } from './helpers/in-process-collector.js';
import { encode, hex, type Field } from './helpers/protobuf-writer.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector({ 'max-attribute-value-length': '8', 'max-attributes-per-span': '2' });
});
afterAll(async () => {
  await c?.close();
});

type Samples = Map<string, number>;

/**
 * Parses the exposition strictly: every sample belongs to a family announced by HELP and TYPE,
 * names and labels follow the format, counters end in _total, no sample appears twice.
 */
function parseExposition(text: string): Samples {
  const samples: Samples = new Map();
  const help = new Set<string>();
  const types = new Map<string, string>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if (line === '') {
      // "Empty lines are ignored" (the text format); prom-client separates metric families with one.
    } else if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$/.exec(line))) {
      help.add(m[1]);
    } else if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$/.exec(line))) {
      expect(help.has(m[1]), `HELP before TYPE for ${m[1]}`).toBe(true);
      types.set(m[1], m[2]);
    } else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|[+-]Inf)$/.exec(line))) {
      const type = types.get(m[1]);
      expect(type, `TYPE announced for ${m[1]}`).toBeDefined();
      if (type === 'counter') expect(m[1]).toMatch(/_total$/);
      const id = `${m[1]}${m[2] ?? ''}`;
      expect(samples.has(id), `duplicate ${id}`).toBe(false);
      samples.set(id, Number(m[3]));
    } else {
      throw new Error(`not Prometheus text format: ${JSON.stringify(line)}`);
    }
  }
  return samples;
}

async function metrics(): Promise<Samples> {
  const res = await fetch(`${c.apiUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await res.text());
}

const attrs = (entries: Array<[string, string]>) => entries.map(([key, v]) => ({ key, value: { stringValue: v } }));
const jsonSpan = (i: number, extra: Record<string, unknown> = {}) => ({
  traceId: i.toString(16).padStart(32, '0'),
  spanId: i.toString(16).padStart(16, '0'),
  name: 'observed',
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: '1700000000100000000',
  ...extra,
});

function protoRequest(): Buffer {
  const resource: Field = { n: 1, message: [{ n: 1, message: [{ n: 1, bytes: 'service.name' }, { n: 2, message: [{ n: 1, bytes: 'obs-grpc' }] }] }] };
  const span: Field = {
    n: 2,
    message: [
      { n: 1, bytes: hex('000000000000000000000000000000ee') },
      { n: 2, bytes: hex('00000000000000ee') },
      { n: 5, bytes: 'observed' },
      { n: 7, fixed64: 1_700_000_000_000_000_000n },
      { n: 8, fixed64: 1_700_000_000_100_000_000n },
    ],
  };
  return encode([{ n: 1, message: [resource, { n: 2, message: [span] }] }]);
}

async function grpcCall(body: Buffer): Promise<number> {
  const client = new Client(c.otlpGrpcAddress, credentials.createInsecure());
  try {
    return await new Promise<number>((resolve) => {
      client.makeUnaryRequest(TRACE_EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, body, (err: ServiceError | null) => resolve(err ? err.code : status.OK));
    });
  } finally {
    client.close();
  }
}

describe('/metrics', () => {
  it('counts what ingest, the queue, the inserter and the receivers did', async () => {
    const before = await metrics();
    expect(before.get('verdict_spans_accepted_total')).toBe(0);
    expect(before.get('verdict_queue_max_bytes')).toBe(c.config.queueMaxBytes);
    expect(before.get('verdict_schema_applied')).toBe(1);

    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: attrs([['service.name', 'obs-http']]) },
          scopeSpans: [
            {
              spans: [
                jsonSpan(1),
                jsonSpan(2, { attributes: attrs([['long', 'a value longer than eight characters']]) }), // truncated
                jsonSpan(3, { attributes: attrs([['a', '1'], ['b', '2'], ['c', '3'], ['d', '4']]) }), // 2 dropped
                jsonSpan(4, { startTimeUnixNano: '1700000000200000000' }), // ends before it starts: rejected
              ],
            },
          ],
        },
      ],
    });
    const res = await postOtlp(c, body, { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString()).partialSuccess.rejectedSpans).toBe('1');
    expect((await postOtlp(c, 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect(await grpcCall(protoRequest())).toBe(status.OK);
    expect(await grpcCall(Buffer.from([0x0a, 0xff]))).toBe(status.INVALID_ARGUMENT);
    await c.flush();

    const m = await metrics();
    expect({
      accepted: m.get('verdict_spans_accepted_total'),
      rejected: m.get('verdict_spans_rejected_total'),
      truncated: m.get('verdict_attribute_values_truncated_total'),
      dropped: m.get('verdict_attributes_dropped_total'),
      appended: m.get('verdict_queue_appended_records_total'),
      inserted: m.get('verdict_inserted_rows_total'),
      queueRows: m.get('verdict_queue_rows'),
      queueBytes: m.get('verdict_queue_bytes'),
      queueSegments: m.get('verdict_queue_segments'),
      failures: m.get('verdict_insert_failures_total'),
      failing: m.get('verdict_store_failing'),
      recovered: m.get('verdict_queue_recovered_rows_total'),
      torn: m.get('verdict_queue_torn_records_total'),
      corrupt: m.get('verdict_queue_corrupt_records_total'),
    }).toEqual({
      accepted: 4,
      rejected: 1,
      truncated: 1,
      dropped: 2,
      appended: 2,
      inserted: 4,
      queueRows: 0,
      queueBytes: 0,
      queueSegments: 0,
      failures: 0,
      failing: 0,
      recovered: 0,
      torn: 0,
      corrupt: 0,
    });
    expect(m.get('verdict_queue_group_commits_total')).toBeGreaterThanOrEqual(1);
    expect(m.get('verdict_queue_group_commits_total')).toBeLessThanOrEqual(2);
    expect(m.get('verdict_insert_batches_total')).toBeGreaterThanOrEqual(1);
    expect(m.get('verdict_last_insert_duration_seconds')).toBeGreaterThan(0);
    expect(m.get('verdict_http_responses_total{server="otlp_http",code="200"}')).toBe(1);
    expect(m.get('verdict_http_responses_total{server="otlp_http",code="415"}')).toBe(1);
    expect(m.get('verdict_http_responses_total{server="api",code="200"}')).toBe(1); // the first scrape
    expect(m.get('verdict_grpc_responses_total{code="OK"}')).toBe(1);
    expect(m.get('verdict_grpc_responses_total{code="INVALID_ARGUMENT"}')).toBe(1);
  });

  it('announces every metric dashboards and alerts rely on, each with its type', async () => {
    const text = await (await fetch(`${c.apiUrl}/metrics`)).text();
    const announced = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    const counters = ['spans_accepted', 'spans_rejected', 'attribute_values_truncated', 'attributes_dropped', 'queue_appended_records', 'queue_group_commits',
      'queue_recovered_segments', 'queue_recovered_rows', 'queue_torn_records', 'queue_corrupt_records', 'insert_batches', 'inserted_rows', 'insert_failures',
      'rejected_batches', 'rejected_rows', 'http_responses', 'grpc_responses'].map((n) => `verdict_${n}_total counter`);
    const gauges = ['queue_segments', 'queue_rows', 'queue_bytes', 'queue_max_bytes', 'queue_rejected_segments', 'queue_rejected_bytes', 'last_insert_duration_seconds', 'store_failing', 'schema_applied', 'regression',
      'queue_depth_rows', 'queue_depth_bytes', 'queue_insert_failing'].map((n) => `verdict_${n} gauge`);
    expect(announced).toEqual([...counters, ...gauges].sort());
  });
});

describe('a request refused and sent again', () => {
  it('counts its rejected spans, truncated values and dropped attributes once, when it is accepted', async () => {
    // A budget of exactly the filler's rows: it fills the queue (no seal), the next request is
    // refused (503) until a flush empties it, and then fits.
    const filler = JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [jsonSpan(1), jsonSpan(2), jsonSpan(3)] }] }] });
    const budget = encodeSpanRows(decodeTraceRequestJson(filler)).bytes.length;
    const retried = JSON.stringify({
      resourceSpans: [{
        resource: { attributes: [] },
        scopeSpans: [{
          spans: [
            jsonSpan(4, { attributes: attrs([['long', 'a value longer than eight characters'], ['b', '2'], ['c', '3']]) }), // 1 truncated, 1 dropped
            jsonSpan(5, { startTimeUnixNano: '1700000000200000000' }), // rejected
          ],
        }],
      }],
    });
    const p = await startCollectorProcess({
      args: ['--queue-max-bytes', String(budget), '--batch-max-delay-ms', '600000', '--batch-max-rows', '1000000', '--max-attribute-value-length', '8', '--max-attributes-per-span', '2'],
    });
    try {
      const post = (body: string) => fetch(`${p.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.status);
      expect(await post(filler)).toBe(200);
      expect(await post(retried)).toBe(503);
      expect(await post(retried)).toBe(503);
      await p.flush();
      expect(await post(retried)).toBe(200);
      const m = parseExposition(await (await fetch(`${p.apiUrl}/metrics`)).text());
      expect({
        accepted: m.get('verdict_spans_accepted_total'),
        rejected: m.get('verdict_spans_rejected_total'),
        truncated: m.get('verdict_attribute_values_truncated_total'),
        dropped: m.get('verdict_attributes_dropped_total'),
      }).toEqual({ accepted: 4, rejected: 1, truncated: 1, dropped: 1 });
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });
});

describe('/readyz', () => {
  it('is ready when the schema is applied, the store answers and the queue has room', async () => {
    const res = await fetch(`${c.apiUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { schema: true, store: true, inserts: true, queue: true, disk: true } });
    expect((await fetch(`${c.apiUrl}/healthz`)).status).toBe(200);
  });

  it('answers 503 with the reason while the ClickHouse server cannot be reached', async () => {
    // A port that was free a moment ago and that nothing listens on.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const p = await startCollectorProcess({ args: ['--clickhouse-url', `http://127.0.0.1:${port}`] });
    try {
      const res = await fetch(`${p.apiUrl}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; reason: string; checks: Record<string, boolean> };
      expect(body.status).toBe('not ready');
      expect(body.checks).toEqual({ schema: false, store: false, inserts: true, queue: true, disk: true });
      expect(body.reason).toMatch(/schema is not applied/);
      expect(body.reason).toMatch(/does not answer SELECT 1/);
      expect((await fetch(`${p.apiUrl}/healthz`)).status).toBe(200);
      const m = parseExposition(await (await fetch(`${p.apiUrl}/metrics`)).text());
      expect(m.get('verdict_schema_applied')).toBe(0);
    } finally {
      await p.kill();
    }
  });

  it('answers 503 once the queue reaches its budget', async () => {
    // A budget of exactly one request's rows: that request fits, and fills the queue. The spans
    // stay in the open segment (no age or size seal), so the queue keeps their bytes.
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [jsonSpan(1)] }] }] });
    const budget = encodeSpanRows(decodeTraceRequestJson(body)).bytes.length;
    const p = await startCollectorProcess({ args: ['--queue-max-bytes', String(budget), '--batch-max-delay-ms', '600000', '--batch-max-rows', '1000000'] });
    try {
      expect((await fetch(`${p.apiUrl}/readyz`)).status).toBe(200);
      const res = await fetch(`${p.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
      const ready = await fetch(`${p.apiUrl}/readyz`);
      expect(ready.status).toBe(503);
      const reply = (await ready.json()) as { reason: string; checks: Record<string, boolean> };
      expect(reply.checks).toEqual({ schema: true, store: true, inserts: true, queue: false, disk: true });
      expect(reply.reason).toBe(`the durable queue holds ${budget} bytes, at or above its budget of ${budget} bytes`);
    } finally {
      await p.kill();
    }
  });
});

describe('metrics after a crash', () => {
  it('reports the spans replayed from the queue at the next start', async () => {
    const args = ['--batch-max-delay-ms', '600000', '--batch-max-rows', '1000000'];
    const first = await startCollectorProcess({ args });
    const res = await fetch(`${first.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ resource: { attributes: attrs([['service.name', 'obs-crash']]) }, scopeSpans: [{ spans: [jsonSpan(1), jsonSpan(2), jsonSpan(3)] }] }] }),
    });
    expect(res.status).toBe(200);
    // Assessments wait in their own queue, beside the spans': each queue's backlog shows by name.
    const feedback = [1, 2].map((i) => ({ trace_id: i.toString(16).padStart(32, '0'), name: 'thumbs_up', value: true }));
    expect((await fetch(`${first.apiUrl}/api/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(feedback) })).status).toBe(200);
    const depth = (m: Samples) => ['spans', 'logs', 'feedback'].map((q) => m.get(`verdict_queue_depth_rows{queue="${q}"}`));
    const queued = parseExposition(await (await fetch(`${first.apiUrl}/metrics`)).text());
    expect(depth(queued)).toEqual([3, 0, 2]);
    expect(queued.get('verdict_queue_depth_bytes{queue="feedback"}')).toBeGreaterThan(0);
    expect(queued.get('verdict_queue_insert_failing{queue="feedback"}')).toBe(0);
    await first.kill();

    const again = await startCollectorProcess({ args, dataDir: first.dataDir });
    try {
      const m = parseExposition(await (await fetch(`${again.apiUrl}/metrics`)).text());
      expect(m.get('verdict_queue_recovered_rows_total')).toBe(3);
      expect(m.get('verdict_queue_recovered_segments_total')).toBe(1);
      await again.flush();
      expect(await again.sql("SELECT count() AS n FROM otel_traces WHERE ServiceName = 'obs-crash'")).toEqual([{ n: 3 }]);
      expect(depth(parseExposition(await (await fetch(`${again.apiUrl}/metrics`)).text()))).toEqual([0, 0, 0]);
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
});
