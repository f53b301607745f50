// Applies schema/migrations/*.sql in name order at start-up, forward-only, recording each applied
// file in verdict_schema_migrations so a restart (or a second collector) skips what is done.
// Every statement is itself idempotent (IF NOT EXISTS), so a crash between applying and recording is safe.
// Collectors sharing a server take the migration lock (schema/lease-lock.ts): exactly one applies
// each migration while the others wait, and it holds the settle lock meanwhile, so no collector
// settles while a migration backfills from settled traces.
import type { ClickHouseClient } from '@clickhouse/client';
import { basename, join } from 'node:path';
import { createLeaseLock, type LeaseLock } from './lease-lock.js';
import { listSqlFiles, readSqlFile, splitStatements } from './sql-files.js';

export interface SchemaOptions {
  /** Days to keep spans; 0 leaves the table's TTL as it is. */
  ttlDays?: number;
  /**
   * Other collectors may share this store (a server): migrations are applied under the migration
   * and settle locks, a holder silent this many ms being taken for dead. Absent: no locks (the
   * embedded engine, one process per data directory).
   */
  lockLeaseMs?: number;
  /** Rewrites each statement for a cluster (schema/cluster-ddl.ts); absent on one server. */
  transform?: (statement: string) => string[];
  /** Claims go to KeeperMap on this cluster instead of tables on one server. */
  cluster?: string;
  /** The collector's lock-holders file (schema/lease-holders.ts): a restart takes its own locks back at once. */
  holderFile?: string;
}

type LockOptions = Pick<SchemaOptions, 'cluster' | 'holderFile'> & { lockLeaseMs: number };

/**
 * The lock every settle run takes on a shared server. It gives way to a migration: while one holds
 * the migration lock no settle run starts, so the migration gets the settle lock after at most the
 * run in progress.
 */
export function settleLock(client: ClickHouseClient, options: LockOptions): LeaseLock {
  return createLeaseLock(client, { ...settleLockOptions(options), yieldTo: migrationLock(client, options) });
}

function settleLockOptions(options: LockOptions) {
  return { name: 'settle', leaseMs: options.lockLeaseMs, cluster: options.cluster, holderFile: options.holderFile };
}

function migrationLock(client: ClickHouseClient, options: LockOptions): LeaseLock {
  return createLeaseLock(client, { name: 'migrations', leaseMs: options.lockLeaseMs, cluster: options.cluster, holderFile: options.holderFile });
}

/** Where a collector keeps its lock holders: beside its queue, in its data directory. */
export function holderFileIn(dataDir: string): string {
  return join(dataDir, 'lock-holders.json');
}

export interface SchemaResult {
  applied: string[];
  alreadyApplied: string[];
}

export async function applySchema(client: ClickHouseClient, options: SchemaOptions = {}): Promise<SchemaResult> {
  const transform = options.transform ?? ((statement: string) => [statement]);
  for (const statement of transform(readSqlFile('schema/migrations-table.sql'))) await client.command({ query: statement });
  const files = listSqlFiles('schema/migrations');
  let result = await applyPending(client, files, transform, undefined, true);
  if (result.applied.length > 0 && options.lockLeaseMs !== undefined) {
    // Something is pending and others may be starting too: look again under the locks.
    const locks = { lockLeaseMs: options.lockLeaseMs, cluster: options.cluster, holderFile: options.holderFile };
    const migrations = migrationLock(client, locks);
    // The migration's own settle lock does not give way to the migration lock it holds.
    const settle = createLeaseLock(client, settleLockOptions(locks));
    await migrations.acquire();
    try {
      await settle.acquire();
      try {
        result = await applyPending(client, files, transform, migrations);
      } finally {
        await settle.release();
      }
    } finally {
      await migrations.release();
    }
  } else if (result.applied.length > 0) {
    result = await applyPending(client, files, transform);
  }
  if (options.ttlDays && options.ttlDays > 0) {
    for (const statement of transform(readSqlFile('schema/ttl.sql'))) {
      await client.command({ query: statement, query_params: { days: options.ttlDays } });
    }
  }
  return result;
}

/** Applies what the migrations table does not list (or, with `dryRun`, only says what that is). */
async function applyPending(client: ClickHouseClient, files: string[], transform: (s: string) => string[], lock?: LeaseLock, dryRun = false): Promise<SchemaResult> {
  const done = await client.query({ query: 'SELECT DISTINCT name FROM verdict_schema_migrations', format: 'JSONEachRow' });
  const appliedBefore = new Set((await done.json<{ name: string }>()).map((r) => r.name));
  const result: SchemaResult = { applied: [], alreadyApplied: [] };
  for (const file of files) {
    const name = basename(file);
    if (appliedBefore.has(name)) {
      result.alreadyApplied.push(name);
      continue;
    }
    result.applied.push(name);
    if (dryRun) continue;
    for (const statement of splitStatements(readSqlFile(file)).flatMap(transform)) {
      await lock?.confirm();
      // The query id names the lock's holder: one taking over after this collector died waits
      // for its last statement to end (and a holder that lost the lock stops here).
      await client.command({ query: statement, ...(lock ? { query_id: lock.queryId() } : {}) });
    }
    await client.insert({ table: 'verdict_schema_migrations', values: [{ name }], format: 'JSONEachRow', ...(lock ? { query_id: lock.queryId() } : {}) });
  }
  return result;
}

export interface RetryOptions {
  signal: AbortSignal;
  onRetry(err: unknown, attempt: number): void;
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * For a ClickHouse server that may be down when the collector starts: keeps trying until the
 * schema is applied (or the signal aborts), so ingest can queue spans meanwhile instead of failing.
 */
export async function applySchemaWithRetry(client: ClickHouseClient, options: SchemaOptions, retry: RetryOptions): Promise<SchemaResult> {
  let delay = retry.minDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    retry.signal.throwIfAborted();
    try {
      return await applySchema(client, options);
    } catch (err) {
      retry.onRetry(err, attempt);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, delay);
        retry.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(retry.signal.reason);
        }, { once: true });
      });
      delay = Math.min(delay * 2, retry.maxDelayMs ?? 10_000);
    }
  }
}

export interface SchemaStatus {
  /** The database holds Verdict's migrations table at all. */
  present: boolean;
  /** Migration files this version has that the database has not applied. */
  pending: string[];
}

/** What a reader that must not write (the CLI's local mode) needs to know before it asks anything. */
export async function schemaStatus(client: ClickHouseClient): Promise<SchemaStatus> {
  const exists = await client.query({ query: "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'verdict_schema_migrations'", format: 'JSONEachRow' });
  const [{ n }] = await exists.json<{ n: number | string }>();
  const files = listSqlFiles('schema/migrations').map((f) => basename(f));
  if (Number(n) === 0) return { present: false, pending: files };
  const done = await client.query({ query: 'SELECT DISTINCT name FROM verdict_schema_migrations', format: 'JSONEachRow' });
  const applied = new Set((await done.json<{ name: string }>()).map((r) => r.name));
  return { present: true, pending: files.filter((f) => !applied.has(f)) };
}
