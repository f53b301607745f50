// Three collectors behind a plain load balancer, on one ClickHouse server (the test double: a real
// engine behind HTTP). They start at once (one applies the schema), the spans of each trace reach
// different collectors, and one is SIGKILLed with acknowledged spans still queued, then restarted.
// Rows, settled traces, rollups and every answer equal one collector's given the same spans.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseDouble, type ClickHouseDouble } from './helpers/clickhouse-double-process.js';
import { startCollectorProcess, type CollectorProcess } from './helpers/collector-process.js';
import { spanIdOf, traceIdOf } from './helpers/otlp-json.js';
import { runCli } from './helpers/run-cli.js';

const TRACES = 160;
const NOW_MS = Date.now() - 20 * 60_000;
const LOCK_ARGS = ['--lock-lease-ms', '10000'];

interface Span {
  service: string;
  version: string;
  /** Only the entry span says which environment: the trace's other spans get it from the trace. */
  environment?: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startMs: number;
  durationMs: number;
  failed: boolean;
}

/** Each trace: the request span, a child in the same service, and a call into another service. */
function spansOf(t: number): Span[] {
  const traceId = traceIdOf(t + 1);
  const startMs = NOW_MS + t * 3_000;
  const version = t % 2 === 0 ? '3.0.0' : '3.1.0';
  const failed = t % (version === '3.0.0' ? 10 : 4) === 0;
  return [
    { service: 'shop', version, environment: 'production', traceId, spanId: spanIdOf(t * 3 + 1), name: 'POST /checkout', kind: 2, startMs, durationMs: 40 + (t % 17) * 3, failed },
    { service: 'shop', version, traceId, spanId: spanIdOf(t * 3 + 2), parentSpanId: spanIdOf(t * 3 + 1), name: 'render', kind: 1, startMs: startMs + 1, durationMs: 5, failed: false },
    { service: 'billing', version: '9.0.0', traceId, spanId: spanIdOf(t * 3 + 3), parentSpanId: spanIdOf(t * 3 + 2), name: 'POST /charge', kind: 2, startMs: startMs + 2, durationMs: 20 + (t % 5), failed: failed && t % 3 === 0 },
  ];
}

function request(spans: Span[]): string {
  const groups = new Map<string, Span[]>();
  for (const s of spans) {
    const key = `${s.service}|${s.version}|${s.environment ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const resourceSpans = [...groups.values()].map((group) => ({
    resource: {
      attributes: [
        { key: 'service.name', value: { stringValue: group[0].service } },
        { key: 'service.version', value: { stringValue: group[0].version } },
        ...(group[0].environment ? [{ key: 'deployment.environment.name', value: { stringValue: group[0].environment } }] : []),
      ],
    },
    scopeSpans: [
      {
        spans: group.map((s) => ({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: String(BigInt(s.startMs) * 1_000_000n),
          endTimeUnixNano: String(BigInt(s.startMs + s.durationMs) * 1_000_000n),
          attributes: [{ key: 'gen_ai.usage.input_tokens', value: { intValue: String(s.durationMs) } }],
          status: s.failed ? { code: 2, message: 'declined' } : { code: 1 },
        })),
      },
    ],
  }));
  return JSON.stringify({ resourceSpans });
}

async function send(collector: CollectorProcess, spans: Span[]): Promise<void> {
  const res = await fetch(`${collector.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request(spans) });
  expect(res.status).toBe(200);
}

let server: ClickHouseDouble;
let collectors: CollectorProcess[];
let single: CollectorProcess;

beforeAll(async () => {
  server = await startClickHouseDouble();
  // The third keeps its spans queued (acknowledged, on disk, not yet inserted) until it is killed.
  [single, ...collectors] = await Promise.all([
    startCollectorProcess(),
    startCollectorProcess({ args: ['--clickhouse-url', server.url, ...LOCK_ARGS] }),
    startCollectorProcess({ args: ['--clickhouse-url', server.url, ...LOCK_ARGS] }),
    startCollectorProcess({ args: ['--clickhouse-url', server.url, ...LOCK_ARGS, '--batch-max-delay-ms', '600000', '--batch-max-rows', '1000000'] }),
  ]);
  const all = Array.from({ length: TRACES }, (_, t) => spansOf(t));
  // A plain load balancer: span k of each trace goes to collector (trace + k) mod 3, in requests
  // of 20 traces' spans each, all sent at once.
  const perCollector: Span[][] = [[], [], []];
  all.forEach((spans, t) => spans.forEach((s, k) => perCollector[(t + k) % 3].push(s)));
  const sends: Promise<void>[] = [];
  perCollector.forEach((spans, c) => {
    for (let i = 0; i < spans.length; i += 60) sends.push(send(collectors[c], spans.slice(i, i + 60)));
  });
  for (let i = 0; i < all.length; i += 20) sends.push(send(single, all.slice(i, i + 20).flat()));
  await Promise.all(sends);
  await Promise.all([collectors[0].flush(), collectors[1].flush()]);
  // SIGKILL with its acknowledged spans still queued; restarted on the same folder, it inserts them.
  const killed = collectors[2];
  await killed.kill();
  collectors[2] = await startCollectorProcess({ dataDir: killed.dataDir, args: ['--clickhouse-url', server.url, ...LOCK_ARGS] });
  for (const c of [collectors[2], collectors[0], collectors[1], single]) await c.flush();
}, 120_000);

afterAll(async () => {
  await Promise.all([single, ...(collectors ?? [])].map((c) => c?.stop()));
  await server?.kill();
});

describe('three collectors on one server, one SIGKILLed, equal one collector', () => {
  it.each([
    ['spans', 'SELECT TraceId, SpanId, ServiceName, AppVersion, Environment, StatusCode, Duration FROM otel_traces ORDER BY SpanId'],
    ['settled traces', 'SELECT TraceId, ServiceName, AppVersion, Environment, RequestName, Requests, Errors, Spans, SpanErrors, InputTokens, RequestDuration FROM verdict_traces_live ORDER BY TraceId, ServiceName'],
    [
      'rollups',
      'SELECT ServiceName, Environment, AppVersion, RequestName, Minute, sum(Traces) AS traces, sum(Requests) AS requests, sum(Errors) AS errors, sum(Spans) AS spans, sum(InputTokens) AS tokens, sumMap(Latency) AS latency FROM verdict_rollup_1m GROUP BY ALL HAVING traces != 0 ORDER BY ALL',
    ],
    [
      'hourly rollups',
      'SELECT ServiceName, Environment, AppVersion, Hour, sum(Traces) AS traces, sum(Requests) AS requests, sum(Errors) AS errors, sumMap(Latency) AS latency FROM verdict_rollup_1h GROUP BY ALL HAVING traces != 0 ORDER BY ALL',
    ],
    ['daily rollups', 'SELECT ServiceName, AppVersion, Day, sum(Traces) AS traces, sum(Requests) AS requests, sum(Errors) AS errors FROM verdict_rollup_1d GROUP BY ALL HAVING traces != 0 ORDER BY ALL'],
  ])('%s', async (_, query) => {
    const expected = await single.sql(query);
    expect(expected.length).toBeGreaterThan(1);
    expect(await collectors[0].sql(query)).toEqual(expected);
  });

  it('every trace was counted once (no double settling across collectors)', async () => {
    const [row] = await collectors[1].sql("SELECT sum(Sign) AS traces, sum(Sign * Spans) AS spans FROM verdict_traces WHERE ServiceName = 'shop'");
    expect(Number(row.traces)).toBe(TRACES);
    expect(Number(row.spans)).toBe(TRACES * 2);
  });

  it.each([
    ['versions', '--service', 'shop'],
    ['compare', '--service', 'shop', '--env', 'production', '--baseline', '3.0.0', '--candidate', '3.1.0'],
    ['errors', '--service', 'shop'],
    ['deployments', '--service', 'shop'],
    ['versions', '--service', 'billing'],
  ])('verdict %s gives the same answer', async (...args) => {
    const [a, b] = await Promise.all([collectors[2], single].map((c) => runCli([...args, '--json', '--api', c.apiUrl])));
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.length, a.stderr).toBeGreaterThan(10);
    expect(a.stdout).toBe(b.stdout);
  });
});
