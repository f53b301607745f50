// The rollups (verdict_rollup_1m / _1h) and the per-trace table (verdict_traces) give the same
// answers as the raw spans, also after a batch is replayed with its deduplication token, and two
// different batches that happen to roll up to identical blocks are both counted; also where the
// version is on the root span only (each span counted in its trace's version).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Store } from '../../store/store.js';
import { errorRate } from '../../queries/error-rate.js';
import { versions, type VersionRow } from '../../queries/versions.js';
import { rollupFor } from '../../queries/rollup.js';
import { openTestStore, seed, T0, MINUTE, HOUR, type Population } from '../helpers/seed-spans.js';

let store: Store;
const pops: Population[] = [
  { service: 'chat-api', environment: 'production', version: '1.1.0', commit: 'aaa', requests: 900, errors: 45, startMs: T0 + 7 * MINUTE, spacingMs: 11_000, latencyMs: 200, children: 2, inputTokens: 500, outputTokens: 90 },
  { service: 'chat-api', environment: 'production', version: '1.2.0', commit: 'bbb', requests: 700, errors: 63, startMs: T0 + 95 * MINUTE, spacingMs: 7_000, latencyMs: 260, children: 1, inputTokens: 650, outputTokens: 90 },
  { service: 'chat-api', environment: 'staging', version: '1.2.0', commit: 'bbb', requests: 300, errors: 3, startMs: T0 + 13 * MINUTE, spacingMs: 29_000, latencyMs: 90 },
  { service: 'search-api', environment: 'production', version: '7.0.0', requests: 400, errors: 40, startMs: T0 + 61 * MINUTE, spacingMs: 13_000, latencyMs: 40, children: 3 },
  // MLflow-style: the version on the root span only; the LLM child spans (tokens) carry none.
  { service: 'mlflow-app', environment: 'production', version: 'v9', requests: 300, errors: 12, startMs: T0 + 31 * MINUTE, spacingMs: 17_000, latencyMs: 120, children: 2, inputTokens: 102, outputTokens: 50, versionOnRootOnly: true },
];

async function count(client: ClickHouseClient, sql: string): Promise<number> {
  const res = await client.query({ query: sql, format: 'JSONEachRow' });
  return Number(Object.values((await res.json<Record<string, unknown>>())[0])[0]);
}

/** Everything but the latency quantiles must be identical; rollup quantiles are t-digest estimates of the exact raw ones. */
function expectSameVersions(rollup: VersionRow[], raw: VersionRow[]): void {
  const strip = (rows: VersionRow[]) => rows.map(({ latencyMs: _latency, ...rest }) => rest);
  expect(strip(rollup)).toEqual(strip(raw));
  rollup.forEach((r, i) => {
    for (const q of ['p50', 'p90', 'p95', 'p99'] as const) {
      expect(Math.abs(r.latencyMs![q] / raw[i].latencyMs![q] - 1), `${r.version} ${q}`).toBeLessThan(0.03);
    }
  });
}

async function expectRollupsEqualRaw(client: ClickHouseClient): Promise<void> {
  // Unbounded (whole days: the daily table), whole hours (the hourly one) and a range cut mid-hour (the minute one).
  const hour = Math.ceil(T0 / HOUR) * HOUR;
  expect([undefined, { fromMs: hour, toMs: hour + 2 * HOUR }, { fromMs: T0 + 37 * MINUTE, toMs: T0 + 151 * MINUTE }].map((r) => rollupFor(r).table)).toEqual([
    'verdict_rollup_1d',
    'verdict_rollup_1h',
    'verdict_rollup_1m',
  ]);
  for (const range of [undefined, { fromMs: hour, toMs: hour + 2 * HOUR }, { fromMs: T0 + 37 * MINUTE, toMs: T0 + 151 * MINUTE }]) {
    const fromRollup = await versions(client, { range, source: 'rollup' });
    const fromRaw = await versions(client, { range, source: 'raw' });
    expect(fromRollup.versions.length).toBeGreaterThan(0);
    expectSameVersions(fromRollup.versions, fromRaw.versions);
  }
  for (const bucketSeconds of [60, 900, 3600]) {
    for (const scope of [{}, { service: 'chat-api', environment: 'production' }]) {
      const options = { ...scope, bucketSeconds, range: { fromMs: T0, toMs: T0 + 4 * HOUR } };
      const a = await errorRate(client, { ...options, source: 'rollup' });
      const b = await errorRate(client, { ...options, source: 'raw' });
      expect({ ...a, source: 'x' }).toEqual({ ...b, source: 'x' });
    }
  }
  // verdict_traces: per version, the same traces, spans, requests, errors, tokens and durations.
  const traces = await client.query({
    query: `SELECT ServiceName, Environment, AppVersion, count() AS traces, sum(sp) AS spans, sum(r) AS requests, sum(e) AS errors,
                   sum(ti) AS input_tokens, sum(tout) AS output_tokens, arraySort(groupArrayArray(d)) AS durations
            FROM (SELECT ServiceName, Environment, AppVersion, TraceHash, sum(Spans) AS sp, sum(Requests) AS r, sum(Errors) AS e,
                         sum(InputTokens) AS ti, sum(OutputTokens) AS tout, groupArrayArray(RequestDurations) AS d
                  FROM verdict_traces GROUP BY ServiceName, Environment, AppVersion, TraceHash)
            GROUP BY ALL ORDER BY ALL`,
    format: 'JSONEachRow',
  });
  // The raw spans, each counted in its trace's version (the root span's, else any span's): a child
  // span without a version of its own belongs to its trace's.
  const raw = await client.query({
    query: `SELECT ServiceName, Environment, trace_version AS AppVersion, uniqExact(TraceId) AS traces, count() AS spans, countIf(IsRequest = 1) AS requests,
                   countIf(IsRequest = 1 AND StatusCode = 'Error') AS errors, sum(InputTokens) AS input_tokens, sum(OutputTokens) AS output_tokens,
                   arraySort(groupArrayIf(Duration, IsRequest = 1)) AS durations
            FROM otel_traces
            INNER JOIN (SELECT TraceId, ServiceName, if(anyIf(AppVersion, ParentSpanId = '') != '', anyIf(AppVersion, ParentSpanId = ''), anyIf(AppVersion, AppVersion != '')) AS trace_version
                        FROM otel_traces GROUP BY TraceId, ServiceName) AS t USING (TraceId, ServiceName)
            GROUP BY ALL ORDER BY ALL`,
    format: 'JSONEachRow',
  });
  expect(await traces.json()).toEqual(await raw.json());
}

beforeAll(async () => {
  store = await openTestStore();
  for (const [i, p] of pops.entries()) await seed(store.client, p, `batch-${i}`);
});

afterAll(async () => {
  await store?.close();
});

describe('rollups = raw spans', () => {
  it('on the seeded data', async () => {
    expect(await count(store.client, 'SELECT count() FROM otel_traces')).toBe(900 * 3 + 700 * 2 + 300 + 400 * 4 + 300 * 3);
    // The root-only version: one version row, no '' one, 3 spans and the children's tokens per request.
    const mlflow = (await versions(store.client, { service: 'mlflow-app' })).versions;
    expect(mlflow.map((v) => [v.version, v.requests, v.errors, v.spansPerRequest, v.inputTokensPerRequest, v.outputTokensPerRequest])).toEqual([['v9', 300, 12, 3, 102, 50]]);
    await expectRollupsEqualRaw(store.client);
  });

  it('after a batch is replayed with its deduplication token (nothing is counted twice anywhere)', async () => {
    const before = await count(store.client, 'SELECT count() FROM otel_traces');
    const rollupBefore = await count(store.client, 'SELECT sum(Spans) FROM verdict_rollup_1m');
    await seed(store.client, pops[1], 'batch-1');
    await seed(store.client, pops[3], 'batch-3');
    await seed(store.client, pops[4], 'batch-4');
    expect(await count(store.client, 'SELECT count() FROM otel_traces')).toBe(before);
    expect(await count(store.client, 'SELECT sum(Spans) FROM verdict_rollup_1m')).toBe(rollupBefore);
    expect(await count(store.client, 'SELECT sum(Spans) FROM verdict_rollup_1h')).toBe(rollupBefore);
    expect(await count(store.client, 'SELECT sum(Spans) FROM verdict_rollup_1d')).toBe(rollupBefore);
    expect(await count(store.client, 'SELECT sum(Spans) FROM verdict_traces')).toBe(before);
    await expectRollupsEqualRaw(store.client);
  });

  it('counts two different batches whose rollup blocks are identical, with tokens or without', async () => {
    // Same service, version, times and durations, different trace ids: the minute rollup receives
    // byte-identical blocks, which must not be mistaken for a replay.
    const twin: Population = { service: 'twin-api', environment: 'production', version: '3.0.0', requests: 50, errors: 5, startMs: T0, spacingMs: 1000, latencyMs: 100 };
    await seed(store.client, { ...twin, seed: 'twin-1' }, 'twin-token-1');
    await seed(store.client, { ...twin, seed: 'twin-2' }, 'twin-token-2');
    await seed(store.client, { ...twin, seed: 'twin-3' }, '');
    await seed(store.client, { ...twin, seed: 'twin-4' }, '');
    expect(await count(store.client, "SELECT count() FROM otel_traces WHERE ServiceName = 'twin-api'")).toBe(200);
    expect(await count(store.client, "SELECT sum(Requests) FROM verdict_rollup_1m WHERE ServiceName = 'twin-api'")).toBe(200);
    expect(await count(store.client, "SELECT sum(Requests) FROM verdict_rollup_1h WHERE ServiceName = 'twin-api'")).toBe(200);
    await expectRollupsEqualRaw(store.client);
  });
});
