// With no collector running, reading commands open the data where it lies and only read: they never
// create a folder, never apply a migration, and say what is wrong when the folder holds no Verdict
// data or data an older Verdict wrote (which only `verdict serve` may upgrade).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSqlFiles, readSqlFile, splitStatements } from '../schema/sql-files.js';
import { loadConfig } from '../store/config.js';
import { openStore } from '../store/store.js';
import { newDataDir } from './helpers/collector-process.js';
import { runCli } from './helpers/run-cli.js';

async function migrationsIn(dataDir: string): Promise<string[]> {
  const store = openStore(loadConfig({}, { 'data-dir': dataDir }));
  try {
    const result = await store.client.query({ query: 'SELECT name FROM verdict_schema_migrations ORDER BY name', format: 'JSONEachRow' });
    return (await result.json<{ name: string }>()).map((r) => r.name);
  } finally {
    await store.close();
  }
}

describe('reading commands without a collector', () => {
  it('refuse a folder with no Verdict data, and leave it uncreated', async () => {
    const dataDir = join(newDataDir(), 'never-served');
    for (const args of [['versions'], ['sql', 'SELECT 1'], ['compare', '--baseline', 'a', '--candidate', 'b']]) {
      const r = await runCli([...args, '--data-dir', dataDir]);
      expect([r.code, r.stdout], args[0]).toEqual([2, '']);
      expect(r.stderr, args[0]).toContain(`no Verdict data in ${dataDir}`);
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuse data written by an older Verdict without migrating it, and name what `verdict serve` would apply', async () => {
    const dataDir = newDataDir();
    // The schema as the first version left it: only its first migration applied and recorded.
    const [first, ...later] = listSqlFiles('schema/migrations');
    const store = openStore(loadConfig({}, { 'data-dir': dataDir }));
    try {
      await store.client.command({ query: readSqlFile('schema/migrations-table.sql') });
      for (const statement of splitStatements(readSqlFile(first))) await store.client.command({ query: statement });
      await store.client.insert({ table: 'verdict_schema_migrations', values: [{ name: first.split('/').pop() }], format: 'JSONEachRow' });
    } finally {
      await store.close();
    }
    const r = await runCli(['versions', '--data-dir', dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`was written by an older Verdict (${later.length} schema migrations to apply`);
    expect(r.stderr).toContain('run `verdict serve` on it once to upgrade it');
    expect(await migrationsIn(dataDir)).toEqual([first.split('/').pop()]);
  });
});
