// Collectors starting at once on one ClickHouse server (the test double, a real engine behind
// HTTP): exactly one applies each migration while the others wait, a holder that dies in the middle
// of a migration is taken over once its lease runs out, and a live holder keeps its lock.
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySchema, settleLock } from '../schema/apply-schema.js';
import { createSettler } from '../store/settle.js';
import { createLeaseLock } from '../schema/lease-lock.js';
import { listSqlFiles, readSqlFile, splitStatements } from '../schema/sql-files.js';
import { startClickHouseDouble, type ClickHouseDouble } from './helpers/clickhouse-double-process.js';
import { createWatcher } from '../alerts/watcher.js';
import { alertRules } from '../alerts/rules.js';
import { openOutbox } from '../alerts/outbox.js';

const FILES = listSqlFiles('schema/migrations').map((f) => basename(f));
let fresh: ClickHouseDouble;
let crashed: ClickHouseDouble;
let upgraded: ClickHouseDouble;
const clients: ClickHouseClient[] = [];

function client(server: ClickHouseDouble): ClickHouseClient {
  const c = createClient({ url: server.url });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  [fresh, crashed, upgraded] = await Promise.all([startClickHouseDouble(), startClickHouseDouble(), startClickHouseDouble()]);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([fresh?.kill(), crashed?.kill(), upgraded?.kill()]);
});

describe('migrations on a shared server', () => {
  it('three collectors starting at once: one applies each migration, the others wait and go on', async () => {
    const results = await Promise.all([1, 2, 3].map(() => applySchema(client(fresh), { lockLeaseMs: 5_000 })));
    // Each migration applied by exactly one of them; every one of them ends with the whole schema.
    expect(results.flatMap((r) => r.applied).sort()).toEqual(FILES);
    for (const r of results) expect([...r.applied, ...r.alreadyApplied].sort()).toEqual(FILES);
    expect(await fresh.query('SELECT name, count() AS n FROM verdict_schema_migrations GROUP BY name ORDER BY name')).toEqual(FILES.map((name) => ({ name, n: 1 })));
    // Both locks were let go: the next taker gets them at once.
    const next = createLeaseLock(client(fresh), { name: 'settle', leaseMs: 5_000 });
    expect(await next.tryAcquire()).toBe(true);
    await next.release();
  }, 60_000);

  it('a collector that dies in the middle of migration 020 does not wedge the others: the next takes over after its lease', async () => {
    const dead = client(crashed);
    const lease = 1_000;
    const migrations = createLeaseLock(dead, { name: 'migrations', leaseMs: lease });
    const settle = createLeaseLock(dead, { name: 'settle', leaseMs: lease });
    await migrations.acquire();
    await settle.acquire();
    await dead.command({ query: readSqlFile('schema/migrations-table.sql') });
    for (const file of FILES.filter((f) => f < '020')) {
      for (const statement of splitStatements(readSqlFile(`schema/migrations/${file}`))) await dead.command({ query: statement });
      await dead.insert({ table: 'verdict_schema_migrations', values: [{ name: file }], format: 'JSONEachRow' });
    }
    // Spans stored before the upgrade, for 020 to backfill: three traces, one with two spans.
    await dead.command({
      query: `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, Duration, StatusCode) VALUES
        (now64(9) - 60, 't1', 's1', '', 'GET /', 'Server', 'svc', {'service.version': '1.0'}, 1000000, 'Ok'),
        (now64(9) - 59, 't1', 's2', 's1', 'db', 'Client', 'svc', {'service.version': '1.0'}, 500000, 'Ok'),
        (now64(9) - 50, 't2', 's3', '', 'GET /', 'Server', 'svc', {'service.version': '1.1'}, 2000000, 'Error'),
        (now64(9) - 40, 't3', 's4', '', 'GET /', 'Server', 'svc', {'service.version': '1.1'}, 3000000, 'Ok')`,
    });
    // Half of 020, then silence: a SIGKILL between two statements.
    const statements = splitStatements(readSqlFile('schema/migrations/020_trace_attribution.sql'));
    for (const statement of statements.slice(0, Math.floor(statements.length / 2))) await dead.command({ query: statement });
    migrations.abandon();
    settle.abandon();

    const next = await applySchema(client(crashed), { lockLeaseMs: lease });
    expect(next.applied).toEqual(FILES.filter((f) => f >= '020'));
    const numbers = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'AppVersion' ? v : Number(v)])));
    const settled = numbers(await crashed.query('SELECT AppVersion, sum(Sign) AS traces, sum(Sign * Spans) AS spans FROM verdict_traces GROUP BY AppVersion ORDER BY AppVersion'));
    expect(settled).toEqual([{ AppVersion: '1.0', traces: 1, spans: 2 }, { AppVersion: '1.1', traces: 2, spans: 2 }]);
    const rollup = numbers(await crashed.query('SELECT AppVersion, sum(Traces) AS traces FROM verdict_rollup_1h GROUP BY AppVersion ORDER BY AppVersion'));
    expect(rollup).toEqual([{ AppVersion: '1.0', traces: 1 }, { AppVersion: '1.1', traces: 2 }]);
  }, 60_000);

  it('a migration that backfills (050, the daily rollup) counts each trace once while another collector keeps inserting and settling', async () => {
    const old = client(upgraded);
    await old.command({ query: readSqlFile('schema/migrations-table.sql') });
    // Every migration but 050: the other collector is of this version, and its settling reads
    // what later migrations made (065's feedback tables).
    for (const file of FILES.filter((f) => !f.startsWith('050'))) {
      for (const statement of splitStatements(readSqlFile(`schema/migrations/${file}`))) await old.command({ query: statement });
      await old.insert({ table: 'verdict_schema_migrations', values: [{ name: file }], format: 'JSONEachRow' });
    }
    // The other collector: a batch of spans, then a settle under the settle lock, again and again.
    const writer = client(upgraded);
    const settler = createSettler(writer, { overlapMs: 2_000, minGapMs: 0, lock: settleLock(writer, { lockLeaseMs: 5_000 }) });
    const batch = async (i: number) => {
      const rows = Array.from({ length: 5 }, (_, k) => `(now64(9) - ${3600 * 30 + i * 60 + k}, 'trace-${i}-${k}', 'span-${i}-${k}', '', 'GET /', 'Server', 'svc', {'service.version': '${i % 2 ? '2.0' : '1.0'}'}, 1000000, 'Ok')`);
      await writer.command({ query: `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, Duration, StatusCode) SETTINGS async_insert = 0 VALUES ${rows.join(', ')}` });
      await settler.settle();
    };
    await batch(0);
    let migrated = false;
    const writing = (async () => {
      let i = 1;
      for (; !migrated || i < 8; i++) await batch(i);
      return i;
    })();
    // The race made certain: right before the backfill (the view feeding the daily rollup exists),
    // another batch is stored and settled. Under the settle lock its settling waits for the
    // migration (so this waits out its bound); without the lock it would land in the gap and be
    // counted twice.
    let injected: Promise<void> | undefined;
    const migrator = client(upgraded);
    const migrating = new Proxy(migrator, {
      get(target, prop, receiver) {
        if (prop !== 'command') return Reflect.get(target, prop, receiver) as unknown;
        return async (params: Parameters<ClickHouseClient['command']>[0]) => {
          if (!injected && /^INSERT INTO verdict_rollup_1d/.test(params.query)) {
            injected = batch(100);
            await Promise.race([injected, new Promise((resolve) => setTimeout(resolve, 1_500))]);
          }
          return target.command(params);
        };
      },
    });
    const result = await applySchema(migrating, { lockLeaseMs: 5_000 });
    migrated = true;
    await injected;
    const batches = (await writing) + 1;
    expect(result.applied).toEqual(FILES.filter((f) => f.startsWith('050')));
    const [sums] = await upgraded.query(`SELECT
        (SELECT sum(Sign) FROM verdict_traces) AS traces,
        (SELECT sum(Traces) FROM verdict_rollup_1h) AS hourly,
        (SELECT sum(Traces) FROM verdict_rollup_1d) AS daily,
        (SELECT uniqExact(TraceId) FROM otel_traces) AS spans_traces`);
    expect(Object.values(sums).map(Number)).toEqual([batches * 5, batches * 5, batches * 5, batches * 5]);
  }, 60_000);

  it('a collector restarted after dying with a lock takes its own lock back at once; a live sibling and other collectors still wait', async () => {
    const lease = 60_000;
    const holderFile = join(mkdtempSync(join(tmpdir(), 'verdict-holders-')), 'lock-holders.json');
    // The first run claims the lock and dies with it (no release, no more beats).
    const before = createLeaseLock(client(fresh), { name: 'restart', leaseMs: lease, holderFile, run: 'run-1' });
    await before.acquire();
    before.abandon();
    // Another collector (its own data directory) waits the lease out.
    const other = createLeaseLock(client(fresh), { name: 'restart', leaseMs: lease, holderFile: `${holderFile}.other`, run: 'run-x' });
    expect(await other.tryAcquire()).toBe(false);
    // The restarted collector finds its earlier run's holder in its data directory: no lease to wait.
    const after = createLeaseLock(client(fresh), { name: 'restart', leaseMs: lease, holderFile, run: 'run-2' });
    expect(await after.tryAcquire()).toBe(true);
    // A second lock of the same run (a live sibling) is not an earlier run: it waits.
    const sibling = createLeaseLock(client(fresh), { name: 'restart', leaseMs: lease, holderFile, run: 'run-2' });
    expect(await sibling.tryAcquire()).toBe(false);
    expect(await other.tryAcquire()).toBe(false);
    await after.release();
    expect(await other.tryAcquire()).toBe(true);
    await other.release();
  }, 30_000);

  it('settle runs give way to a waiting migration: while the migration lock is held, no settle run takes the settle lock', async () => {
    // Settle runs back to back (a busy collector) would otherwise take the settle lock again between
    // a waiting migrator's looks, and starve the migration.
    const migrating = createLeaseLock(client(fresh), { name: 'migrations', leaseMs: 5_000 });
    const settling = settleLock(client(fresh), { lockLeaseMs: 5_000 });
    await migrating.acquire();
    expect(await settling.tryAcquire()).toBe(false);
    await migrating.release();
    expect(await settling.tryAcquire()).toBe(true);
    await settling.release();
  }, 30_000);

  it('a live holder keeps its lock past its lease: it heartbeats by the server clock', async () => {
    const lease = 1_000;
    const holder = createLeaseLock(client(fresh), { name: 'kept', leaseMs: lease });
    const other = createLeaseLock(client(fresh), { name: 'kept', leaseMs: lease });
    await holder.acquire();
    expect(await other.tryAcquire()).toBe(false);
    // Two leases' time: a holder taken for dead would have lost it by now.
    await new Promise((resolve) => setTimeout(resolve, 2 * lease + 500));
    expect(await other.tryAcquire()).toBe(false);
    expect(holder.held()).toBe(true);
    await holder.release();
    expect(await other.tryAcquire()).toBe(true);
    await other.release();
  }, 30_000);
});

describe('alert watchers of collectors sharing a server', () => {
  it('one leads: only the lease holder looks and notifies; when it closes, the next beat of another takes over', async () => {
    const watcherOf = (n: number) =>
      createWatcher({
        client: client(fresh),
        rules: alertRules(),
        outbox: openOutbox({ dir: mkdtempSync(join(tmpdir(), `verdict-outbox-${n}-`)) }),
        pageUrl: () => '',
        leader: createLeaseLock(client(fresh), { name: 'alerts', leaseMs: 5_000 }),
      });
    const [a, b] = [watcherOf(1), watcherOf(2)];
    const first = await Promise.all([a.beat(), b.beat()]);
    // Exactly one looked (nothing to alert on: zero looks, but a summary), the other stood by.
    expect(first.filter((s) => s !== undefined)).toEqual([{ looks: 0, opened: [], resolved: [] }]);
    const [leader, standby] = first[0] ? [a, b] : [b, a];
    expect(await leader.beat()).toBeDefined();
    expect(await standby.beat()).toBeUndefined();
    await leader.close();
    expect(await standby.beat()).toBeDefined();
    await standby.close();
  }, 30_000);
});
