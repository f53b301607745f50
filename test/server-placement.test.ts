// One engine, two placements: the same spans sent to a collector on the embedded store and to one
// on a ClickHouse server (an HTTP endpoint backed by a real engine) give the same answers to every
// question, from the same DDL and the same .sql files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseDouble, type ClickHouseDouble } from './helpers/clickhouse-double-process.js';
import { startCollectorProcess, type CollectorProcess } from './helpers/collector-process.js';
import { runCli } from './helpers/run-cli.js';

const NOW_MS = Date.now() - 10 * 60_000;

function request(): string {
  const resourceSpans = ['1.1.0', '1.2.0'].map((version, v) => ({
    resource: {
      attributes: [
        { key: 'service.name', value: { stringValue: 'placement' } },
        { key: 'service.version', value: { stringValue: version } },
        { key: 'deployment.environment.name', value: { stringValue: 'production' } },
      ],
    },
    scopeSpans: [
      {
        spans: Array.from({ length: 60 }, (_, i) => {
          const start = BigInt(NOW_MS + v * 60_000 + i * 500) * 1_000_000n;
          const failed = i % (v === 0 ? 12 : 4) === 0;
          return {
            traceId: (v * 1000 + i + 1).toString(16).padStart(32, '0'),
            spanId: (v * 1000 + i + 1).toString(16).padStart(16, '0'),
            name: 'POST /chat',
            kind: 2,
            startTimeUnixNano: String(start),
            endTimeUnixNano: String(start + BigInt((50 + i * (v + 1)) * 1_000_000)),
            attributes: [
              { key: 'session.id', value: { stringValue: `s-${i % 7}` } },
              { key: 'gen_ai.usage.input_tokens', value: { intValue: String(100 + i) } },
            ],
            status: failed ? { code: 2, message: v === 0 ? 'timeout' : 'rate limited' } : { code: 1 },
          };
        }),
      },
    ],
  }));
  return JSON.stringify({ resourceSpans });
}

let server: ClickHouseDouble;
let onServer: CollectorProcess;
let embedded: CollectorProcess;

beforeAll(async () => {
  server = await startClickHouseDouble();
  [onServer, embedded] = await Promise.all([
    startCollectorProcess({ args: ['--clickhouse-url', server.url] }),
    startCollectorProcess(),
  ]);
  for (const c of [onServer, embedded]) {
    const res = await fetch(`${c.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request() });
    expect(res.status).toBe(200);
    // An evaluation result as a log record: the logs queue's insert on each placement.
    const logs = await fetch(`${c.otlpHttpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: logRequest() });
    expect(logs.status).toBe(200);
    // And one through POST /api/feedback: the feedback queue's insert on each placement.
    const feedback = { assessment_id: 'placement-1', trace_id: '00000000000000000000000000000001', assessment_name: 'thumbs_up', feedback: { value: true }, source: { source_type: 'HUMAN', source_id: 'u' }, create_time: NOW_MS };
    expect((await fetch(`${c.apiUrl}/api/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(feedback) })).status).toBe(200);
    await c.flush();
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([onServer?.stop(), embedded?.stop()]);
  await server?.kill();
});

function logRequest(): string {
  const record = { timeUnixNano: String(BigInt(NOW_MS) * 1_000_000n), traceId: '00000000000000000000000000000001', spanId: '0000000000000001', eventName: 'gen_ai.evaluation.result', body: { stringValue: 'evaluated' },
    attributes: [{ key: 'gen_ai.evaluation.name', value: { stringValue: 'relevance' } }, { key: 'gen_ai.evaluation.score.value', value: { doubleValue: 0.8 } }] };
  return JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'placement' } }] }, scopeLogs: [{ scope: { name: 'judge' }, logRecords: [record] }] }] });
}

describe('the embedded store and a ClickHouse server', () => {
  it.each([
    ['sql', 'SELECT AppVersion, count() AS n, countIf(StatusCode = \'Error\') AS errors FROM otel_traces GROUP BY 1 ORDER BY 1'],
    ['versions', '--service', 'placement'],
    ['compare', '--service', 'placement', '--env', 'production', '--baseline', '1.1.0', '--candidate', '1.2.0'],
    ['errors', '--service', 'placement', '--baseline', '1.1.0', '--candidate', '1.2.0'],
    ['deployments', '--service', 'placement'],
    ['sessions', '--service', 'placement', '--version', '1.2.0'],
    ['search', "version = '1.2.0' AND status = 'ERROR'", '--limit', '5'],
    ['trace', '00000000000000000000000000000001'],
    ['feedback', 'list', '--trace', '00000000000000000000000000000001'],
  ])('verdict %s gives the same answer', async (...args) => {
    const [a, b] = await Promise.all([onServer, embedded].map((c) => runCli([...args, '--json', '--api', c.apiUrl])));
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toBe(b.stderr);
    expect(a.stdout.length).toBeGreaterThan(10);
    expect(a.stdout).toBe(b.stdout);
  });

  it('the rows themselves are the same, derived columns included', async () => {
    const query =
      'SELECT Timestamp, SpanId, SpanAttributes, Duration, StatusCode, AppVersion, Environment, SessionId, InputTokens, IsRequest FROM otel_traces ORDER BY SpanId';
    expect(await onServer.sql(query)).toEqual(await embedded.sql(query));
    const logs = 'SELECT Timestamp, TraceId, SpanId, ServiceName, Body, LogAttributes, EventName FROM otel_logs ORDER BY Timestamp';
    const onServerLogs = await onServer.sql(logs);
    expect(onServerLogs).toHaveLength(1);
    expect(onServerLogs).toEqual(await embedded.sql(logs));
  });
});
