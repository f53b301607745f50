// A data directory written by the previous landed version (test/fixtures/README.md) opens with this
// version's collector, which applies its migrations, answers the same questions the same way, and
// takes new spans.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../schema/sql-files.js';
import { listSqlFiles } from '../schema/sql-files.js';
import { newDataDir, startCollectorProcess, type CollectorProcess } from './helpers/collector-process.js';
import { runCli } from './helpers/run-cli.js';

const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures');
const before = JSON.parse(readFileSync(join(FIXTURES, 'data-dir-f728170.answers.json'), 'utf8')) as {
  versions: Array<Record<string, unknown>>;
  compareShopApi: Record<string, unknown>;
};

let c: CollectorProcess;
beforeAll(async () => {
  const parent = newDataDir();
  execFileSync('tar', ['-xzf', join(FIXTURES, 'data-dir-f728170.tar.gz'), '-C', parent]);
  c = await startCollectorProcess({ dataDir: join(parent, 'data') });
});
afterAll(async () => {
  await c?.stop();
});

describe('a data directory from the previous version', () => {
  it('is migrated forward to every migration this version has', async () => {
    const applied = (await c.sql('SELECT name FROM verdict_schema_migrations ORDER BY name')).map((r) => r.name);
    expect(applied).toEqual(listSqlFiles('schema/migrations').map((f) => f.split('/').pop()));
  });

  it('answers versions and compare as the previous version did, for spans that carry their version', async () => {
    const versions = await runCli(['versions', '--json', '--api', c.apiUrl, '--service', 'shop-api']);
    expect(versions.code).toBe(0);
    expect(versions.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(before.versions.filter((v) => v.service === 'shop-api'));
    const compare = await runCli(['compare', '--json', '--api', c.apiUrl, '--service', 'shop-api', '--env', 'production', '--baseline', '1.0.0', '--candidate', '2.0.0']);
    expect(compare.code).toBe(0);
    expect(JSON.parse(compare.stdout)).toEqual(before.compareShopApi);
  });

  it('takes new spans beside the old ones', async () => {
    const start = Date.UTC(2026, 10, 3) * 1e6;
    const body = {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop-api' } }, { key: 'service.version', value: { stringValue: '2.1.0' } }, { key: 'deployment.environment.name', value: { stringValue: 'production' } }] },
        scopeSpans: [{ scope: { name: 'upgrade-test' }, spans: [{ traceId: 'f'.repeat(31) + '1', spanId: 'e'.repeat(15) + '1', name: 'POST /chat', kind: 2, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 5e6), status: { code: 1 } }] }],
      }],
    };
    const res = await fetch(`${c.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    await c.flush();
    expect(await c.sql("SELECT AppVersion AS version, count() AS n FROM otel_traces WHERE ServiceName = 'shop-api' GROUP BY version ORDER BY version")).toEqual([
      { version: '1.0.0', n: 400 },
      { version: '2.0.0', n: 400 },
      { version: '2.1.0', n: 1 },
    ]);
  });
});
