// Applies schema/migrations/*.sql in name order at start-up, forward-only, recording each applied
// file in verdict_schema_migrations so a restart (or a second collector) skips what is done.
// Every statement is itself idempotent (IF NOT EXISTS), so a crash between applying and recording is safe.
import type { ClickHouseClient } from '@clickhouse/client';
import { basename } from 'node:path';
import { listSqlFiles, readSqlFile, splitStatements } from './sql-files.js';

export interface SchemaOptions {
  /** Days to keep spans; 0 leaves the table's TTL as it is. */
  ttlDays?: number;
}

export interface SchemaResult {
  applied: string[];
  alreadyApplied: string[];
}

export async function applySchema(client: ClickHouseClient, options: SchemaOptions = {}): Promise<SchemaResult> {
  await client.command({ query: readSqlFile('schema/migrations-table.sql') });
  const done = await client.query({ query: 'SELECT DISTINCT name FROM verdict_schema_migrations', format: 'JSONEachRow' });
  const appliedBefore = new Set((await done.json<{ name: string }>()).map((r) => r.name));
  const result: SchemaResult = { applied: [], alreadyApplied: [] };
  for (const file of listSqlFiles('schema/migrations')) {
    const name = basename(file);
    if (appliedBefore.has(name)) {
      result.alreadyApplied.push(name);
      continue;
    }
    for (const statement of splitStatements(readSqlFile(file))) await client.command({ query: statement });
    await client.insert({ table: 'verdict_schema_migrations', values: [{ name }], format: 'JSONEachRow' });
    result.applied.push(name);
  }
  if (options.ttlDays && options.ttlDays > 0) {
    await client.command({ query: readSqlFile('schema/ttl.sql'), query_params: { days: options.ttlDays } });
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
