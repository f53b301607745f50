// The schema is applied forward-only and idempotently, a retention becomes the table's TTL, and the
// row contract (schema/otel-traces.ts) is exactly the table's stored columns, in order.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../store/config.js';
import { openStore, type Store } from '../store/store.js';
import { applySchema } from '../schema/apply-schema.js';
import { listSqlFiles, readSqlFile } from '../schema/sql-files.js';
import { insertColumnList, OTEL_TRACES_COLUMNS } from '../schema/otel-traces.js';

let store: Store;
beforeAll(() => {
  store = openStore(loadConfig({}, { 'data-dir': mkdtempSync(join(tmpdir(), 'verdict-schema-')) }));
});
afterAll(async () => {
  await store?.close();
});

async function rows(query: string): Promise<Record<string, unknown>[]> {
  return (await store.client.query({ query, format: 'JSONEachRow' })).json();
}

describe('schema', () => {
  it('applies every migration once and records it; a second start applies nothing', async () => {
    const files = listSqlFiles('schema/migrations').map((f) => f.split('/').pop());
    const first = await applySchema(store.client);
    expect(first.applied).toEqual(files);
    const second = await applySchema(store.client);
    expect(second).toEqual({ applied: [], alreadyApplied: files });
    expect(await rows('SELECT name, count() AS n FROM verdict_schema_migrations FINAL GROUP BY name ORDER BY name')).toEqual(
      files.map((name) => ({ name, n: 1 })),
    );
  });

  it('turns --ttl-days into the table TTL', async () => {
    await applySchema(store.client, { ttlDays: 7 });
    const [{ ddl }] = await rows("SELECT create_table_query AS ddl FROM system.tables WHERE name = 'otel_traces' AND database = currentDatabase()");
    expect(String(ddl)).toMatch(/TTL toDateTime\(Timestamp\) \+ toIntervalDay\((_CAST\()?7\b/);
  });

  it('the row contract is the table: every stored column, its type and position; the inserts name it in that order', async () => {
    for (const file of ['schema/inserts/span-rows-from-file.sql', 'schema/inserts/span-rows-rowbinary.sql']) {
      expect(readSqlFile(file), file).toMatch(/INSERT INTO otel_traces \(\{\{columns\}\}\)/);
    }
    expect(insertColumnList().split(', ').map((c) => c.replace(/`/g, ''))).toEqual(OTEL_TRACES_COLUMNS.map((c) => c.name));
    const table = await rows("SELECT name, type FROM system.columns WHERE table = 'otel_traces' AND database = currentDatabase() AND default_kind = '' ORDER BY position");
    expect(table.map((c) => [c.name, c.type])).toEqual(OTEL_TRACES_COLUMNS.map(({ name, type }) => [name, type.replace(/\s+/g, ' ')]));
  });
});
