// /readyz says "not ready", with the reason, whenever the collector cannot take spans for good:
// inserts into the store failing past the grace period while the store still answers SELECT 1
// (the full-disk case: every insert failed, readiness stayed 200), and free disk space on the
// data directory below the floor. Both recover without a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { startCollectorProcess } from './helpers/collector-process.js';
import { postOtlp, rows, startTestCollector } from './helpers/in-process-collector.js';
import { otlpJsonRequest } from './helpers/otlp-json.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector({ 'store-failing-grace-ms': '0', 'log-level': 'silent' });
});
afterAll(async () => {
  await c?.close();
});

interface ReadyBody {
  status: string;
  reason?: string;
  checks: Record<string, boolean>;
}

async function readyz(url: string): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

const ALL_GOOD = { schema: true, store: true, inserts: true, queue: true, disk: true };

describe('/readyz', () => {
  it('is not ready while every insert fails though the store answers SELECT 1, and ready again once inserts succeed', async () => {
    expect(await readyz(c.apiUrl)).toEqual({ status: 200, body: { status: 'ready', checks: ALL_GOOD } });
    // The store refuses every insert for a reason that may pass (a constraint here; a full disk in
    // the field): the spans stay queued and are retried.
    await c.store.client.command({ query: 'ALTER TABLE otel_traces ADD CONSTRAINT verdict_test_refuse CHECK 0' });
    expect((await postOtlp(c, otlpJsonRequest({ service: 'readiness', count: 2 }), { 'content-type': 'application/json' })).status).toBe(200);
    for (let i = 0; i < 400 && !c.inserter.stats().storeFailing; i++) await new Promise((r) => setTimeout(r, 25));
    expect(c.inserter.stats().storeFailing).toBe(true);

    const failing = await readyz(c.apiUrl);
    expect(failing.status).toBe(503);
    expect(failing.body.checks).toEqual({ ...ALL_GOOD, inserts: false });
    expect(failing.body.reason).toMatch(/^inserts into the store have failed for \d+\.\d s \(grace 0\.0 s\): embedded store rejected a batch: .*verdict_test_refuse/);

    await c.store.client.command({ query: 'ALTER TABLE otel_traces DROP CONSTRAINT verdict_test_refuse' });
    expect(await rows(c, "SELECT count() AS n FROM otel_traces WHERE ServiceName = 'readiness'")).toEqual([{ n: 2 }]);
    expect(await readyz(c.apiUrl)).toEqual({ status: 200, body: { status: 'ready', checks: ALL_GOOD } });
  });

  it('is not ready while the data directory\'s disk has less free space than the floor', async () => {
    const p = await startCollectorProcess({ args: ['--min-free-disk-bytes', String(2 ** 50)] });
    try {
      const { status, body } = await readyz(p.apiUrl);
      expect(status).toBe(503);
      expect(body.checks).toEqual({ ...ALL_GOOD, disk: false });
      expect(body.reason).toMatch(/^the data directory's disk has \d+\.\d [KMGT]iB free, below the floor of 1\.0 PiB$/);
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });
});
