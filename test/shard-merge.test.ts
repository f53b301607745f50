// Why a cluster answers like one server: each shard aggregates its own rows, and a Distributed
// read merges the shards' partial results. Two stores filled separately (the test double: a real
// engine each), their rows and rollup states brought together in a third store without its views
// (what a Distributed read sees), answer every question exactly as one store holding all the spans
// does, as long as spans are sharded by trace. Sharded by span instead, a trace is settled twice
// in halves and the answers change: the test shows that too.
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../queries/compare/compare.js';
import { deployments } from '../queries/deployments.js';
import { errorRate } from '../queries/error-rate.js';
import { errors } from '../queries/errors.js';
import { latency } from '../queries/latency.js';
import { search } from '../queries/search.js';
import { session, sessions } from '../queries/sessions.js';
import { trace } from '../queries/trace.js';
import { versions } from '../queries/versions.js';
import { applySchema } from '../schema/apply-schema.js';
import { readSqlFile } from '../schema/sql-files.js';
import { loadConfig } from '../store/config.js';
import { createSettler } from '../store/settle.js';
import { openStore, type Store } from '../store/store.js';
import { startClickHouseDouble, type ClickHouseDouble } from './helpers/clickhouse-double-process.js';

const TRACES = 3_000;
const DAYS = 30;

let single: ClickHouseDouble;
let shards: ClickHouseDouble[];
let merged: Store;
const clients: ClickHouseClient[] = [];

function clientOf(server: ClickHouseDouble): ClickHouseClient {
  const c = createClient({ url: server.url });
  clients.push(c);
  return c;
}

/** The tables holding rows (not views): what each shard stores and a Distributed table reads. */
async function storedTables(client: ClickHouseClient): Promise<string[]> {
  const result = await client.query({
    query: "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' AND name NOT IN ('verdict_schema_migrations') AND NOT startsWith(name, 'verdict_lock_') ORDER BY name",
    format: 'JSONEachRow',
  });
  return (await result.json<{ name: string }>()).map((r) => r.name);
}

/** Shard `shard` of 2 takes the single store's spans whose `key` hashes to it, then settles them. */
async function fillShard(server: ClickHouseDouble, shard: number, key: 'TraceId' | 'SpanId'): Promise<void> {
  const client = clientOf(server);
  for (const table of await storedTables(client)) await client.command({ query: `TRUNCATE TABLE ${table}` });
  const source = `SELECT * FROM otel_traces WHERE cityHash64(${key}) % 2 = ${shard} FORMAT Native`;
  await client.command({
    query: `INSERT INTO otel_traces SELECT * FROM url('${single.url}/?query=${encodeURIComponent(source)}', 'Native') SETTINGS use_structure_from_insertion_table_in_table_functions = 1, async_insert = 0`,
  });
  await createSettler(client, { overlapMs: 1, minGapMs: 0 }).settle();
}

/** The merged store: every stored table's rows from both shards, with no view recomputing them. */
async function merge(): Promise<void> {
  const client = merged.client;
  for (const table of await storedTables(client)) {
    await client.command({ query: `TRUNCATE TABLE ${table}` });
    for (const shard of shards) {
      const source = `SELECT * FROM ${table} FORMAT Native`;
      await client
        .command({
          query: `INSERT INTO ${table} SELECT * FROM url('${shard.url}/?query=${encodeURIComponent(source)}', 'Native') SETTINGS use_structure_from_insertion_table_in_table_functions = 1, async_insert = 0, max_partitions_per_insert_block = 0`,
        })
        .catch((err: Error) => {
          throw new Error(`merging ${table}: ${err.message}`, { cause: err });
        });
    }
  }
}

const startMs = Math.floor(Date.now() / 86_400_000) * 86_400_000 - DAYS * 86_400_000;
const prod = { service: 'chat-api', environment: 'production' };

/** Every question, as bench:query asks them, over rollups and settled traces alike. */
async function answers(client: ClickHouseClient): Promise<Record<string, unknown>> {
  const [row] = await (await client.query({ query: "SELECT min(TraceId) AS t, min(SessionId) AS s FROM otel_traces WHERE IsRequest = 1 AND SessionId != ''", format: 'JSONEachRow' })).json<{ t: string; s: string }>();
  return {
    versions: await versions(client),
    compare: await compare(client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' } }),
    aligned: await compare(client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.3.0' }, align: true }),
    byName: await compare(client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' }, by: 'name' }),
    byModel: await compare(client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' }, by: 'model' }),
    errorRate: await errorRate(client, prod),
    errorRateHourly: await errorRate(client, { range: { fromMs: startMs + 86_400_000, toMs: startMs + 5 * 86_400_000 } }),
    errors: await errors(client, { ...prod, baseline: '1.1.0', candidate: '1.2.0' }),
    latency: await latency(client, prod),
    deployments: await deployments(client),
    sessions: await sessions(client, { ...prod, version: '1.2.0' }),
    session: await session(client, row.s),
    search: await search(client, { filter: "resource.`deployment.environment.name` = 'production' AND attributes.status = 'ERROR'" }),
    trace: await trace(client, row.t),
  };
}

let expected: Record<string, unknown>;

beforeAll(async () => {
  [single, ...shards] = await Promise.all([startClickHouseDouble(), startClickHouseDouble(), startClickHouseDouble()]);
  merged = openStore(loadConfig({}, { 'data-dir': mkdtempSync(join(tmpdir(), 'verdict-shard-merge-')) }));
  await Promise.all([...[single, ...shards].map((s) => applySchema(clientOf(s))), applySchema(merged.client)]);
  // The merged store only holds what the shards computed: its views would compute it again.
  const views = await (await merged.client.query({ query: "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView'", format: 'JSONEachRow' })).json<{ name: string }>();
  for (const { name } of views) await merged.client.command({ query: `DROP VIEW ${name}` });
  const one = clientOf(single);
  const stepNs = (BigInt(DAYS) * 86_400_000_000_000n) / BigInt(TRACES);
  await one.command({ query: readSqlFile('bench/query-data.sql'), query_params: { first: 0, count: TRACES, start_ns: (BigInt(startMs) * 1_000_000n).toString(), step_ns: stepNs.toString() } });
  await createSettler(one, { overlapMs: 1, minGapMs: 0 }).settle();
  expected = await answers(one);
}, 120_000);

/**
 * Floating-point sums (cost in USD, latency in ms) depend on the order rows are added in, which
 * differs between one store and two merged shards in the last bits: numbers are compared to 12
 * significant digits, everything else exactly.
 */
function sameToTheLastBits(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number(value.toPrecision(12));
  if (Array.isArray(value)) return value.map(sameToTheLastBits);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sameToTheLastBits(v)]));
  return value;
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await merged?.close();
  await Promise.all([single, ...(shards ?? [])].map((s) => s?.kill()));
});

describe('two shards filled separately, merged, equal one store', () => {
  it('sharded by trace: every question answers the same', async () => {
    await Promise.all(shards.map((s, i) => fillShard(s, i, 'TraceId')));
    await merge();
    const [{ n }] = await (await merged.client.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' })).json<{ n: number }>();
    expect(Number(n)).toBeGreaterThan(TRACES * 2);
    const got = await answers(merged.client);
    for (const key of Object.keys(expected)) {
      expect(JSON.stringify(expected[key]).length, `${key} answers something`).toBeGreaterThan(50);
      expect(sameToTheLastBits(got[key]), key).toEqual(sameToTheLastBits(expected[key]));
    }
  }, 120_000);

  it('sharded by span instead: traces are settled in halves and the answers change', async () => {
    await Promise.all(shards.map((s, i) => fillShard(s, i, 'SpanId')));
    await merge();
    const got = await answers(merged.client);
    expect(got.versions).not.toEqual(expected.versions);
    expect(got.compare).not.toEqual(expected.compare);
  }, 120_000);
});
