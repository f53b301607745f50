// A data directory written by the previous landed version (test/fixtures/README.md) opens with this
// version's collector, which applies its migrations, answers the same questions the same way, and
// takes new spans.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calcPrice } from '@pydantic/genai-prices';
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

function expectWithinOnePercent(now: unknown, then: unknown): void {
  const a = now as Record<string, number>;
  const b = then as Record<string, number>;
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const k of Object.keys(b)) expect(Math.abs(a[k] / b[k] - 1), k).toBeLessThan(0.01);
}

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
    // What changed on purpose: lastSeen is the last request's start (a trace's child spans start
    // later, 1 ms here), and rollup latency quantiles come from a histogram instead of a t-digest:
    // both estimates of the same exact values, within 1 %.
    const versions = await runCli(['versions', '--json', '--api', c.apiUrl, '--service', 'shop-api']);
    expect(versions.code).toBe(0);
    const now = versions.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const then = before.versions.filter((v) => v.service === 'shop-api');
    expect(now.map((v) => v.version)).toEqual(then.map((v) => v.version));
    now.forEach((v, i) => {
      const { lastSeen, latencyMs, ...rest } = then[i];
      // New since: cost (priced at upgrade; checked in its own test below).
      const { lastSeen: nowLast, latencyMs: nowLatency, costUsd: _cost, costPerRequestUsd: _perRequest, unpricedCalls: _unpriced, ...nowRest } = v;
      expect(nowRest).toEqual(rest);
      expect(Date.parse(String(lastSeen)) - Date.parse(String(nowLast))).toBe(1);
      expectWithinOnePercent(nowLatency, latencyMs);
    });
    const compare = await runCli(['compare', '--json', '--api', c.apiUrl, '--service', 'shop-api', '--env', 'production', '--baseline', '1.0.0', '--candidate', '2.0.0']);
    expect(compare.code).toBe(0);
    const doc = JSON.parse(compare.stdout) as Record<string, any>;
    const old = before.compareShopApi as Record<string, any>;
    for (const side of ['baseline', 'candidate']) {
      for (const field of ['requests', 'errors', 'errorRate', 'inputTokensPerRequest', 'outputTokensPerRequest', 'spansPerRequest', 'firstSeen']) {
        expect(doc[side][field], `${side}.${field}`).toEqual(old[side][field]);
      }
      expectWithinOnePercent(doc[side].latencyMs, old[side].latencyMs);
    }
    expect(doc.metrics.map((m: any) => [m.name, m.verdict])).toEqual(old.metrics.map((m: any) => [m.name, m.verdict]));
    expect(doc.metrics[0]).toEqual(old.metrics[0]);
  });

  it('attributes the MLflow-style traces (version on the root span only) to their version, backfilled at upgrade', async () => {
    const versions = await runCli(['versions', '--json', '--api', c.apiUrl, '--service', 'chat-api']);
    const rows = versions.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // Before: a phantom version '' with 0 requests, and 1.0.0 / 2.0.0 with 1 span and 0 tokens per request.
    expect(rows.map((v) => [v.version, v.requests, v.spansPerRequest, v.inputTokensPerRequest, v.outputTokensPerRequest])).toEqual([
      ['1.0.0', 200, 2, 101, 50],
      ['2.0.0', 200, 2, 101, 50],
    ]);
  });

  it('prices the LLM calls stored before the upgrade (usage backfilled, traces re-settled with their cost)', async () => {
    await c.flush();
    const got = await c.sql("SELECT AppVersion AS version, sum(LlmCalls) AS calls, sum(UnpricedCalls) AS unpriced, round(sum(Cost), 9) AS cost FROM verdict_traces_live WHERE ServiceName = 'shop-api' GROUP BY version ORDER BY version");
    // 200 calls of gpt-4o per version: 100 or 102 input tokens (101 on average), 50 output.
    const expected = calcPrice({ input_tokens: 200 * 101, output_tokens: 200 * 50 }, 'gpt-4o', { timestamp: new Date('2026-11-02T12:00:00Z') })!.total_price;
    expect(got.map((r) => [r.version, Number(r.calls), Number(r.unpriced)])).toEqual([['1.0.0', 200, 0], ['2.0.0', 200, 0]]);
    for (const r of got) expect(Number(r.cost)).toBeCloseTo(expected, 9);
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
