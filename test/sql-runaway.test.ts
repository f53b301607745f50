// A runaway users' query (minutes of work, a time limit of minutes) never holds up the rest: while
// it runs, /readyz answers ready, spans are acknowledged and inserted, built-in questions and other
// users' queries answer; a client that goes away stops it in the engine (it leaves the engine's
// process list); and a collector process stopped with SIGTERM while one runs exits cleanly on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { startCollectorProcess } from './helpers/collector-process.js';
import { postOtlp, rows, startTestCollector } from './helpers/in-process-collector.js';
import { otlpJsonRequest } from './helpers/otlp-json.js';
import { CPU_BOUND_QUERY, runningUserQueries, until } from './helpers/user-sql.js';

let c: RunningCollector;
beforeAll(async () => {
  // Time limits far beyond the test's own timeout: only cancellation can end these queries in time.
  c = await startTestCollector({ 'sql-timeout-ms': '600000' });
});
afterAll(async () => {
  await c?.close();
});

/** Starts the runaway through /api/sql; resolves once the engine runs it. */
async function startRunaway(): Promise<{ abort: AbortController; answer: Promise<unknown> }> {
  const abort = new AbortController();
  const before = await runningUserQueries(c.store.client, CPU_BOUND_QUERY);
  const answer = fetch(`${c.apiUrl}/api/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: CPU_BOUND_QUERY }),
    signal: abort.signal,
  }).catch((err: Error) => err);
  // The runaway itself, not one of the sandbox's checks of it (its slot is only held once it runs).
  await until(async () => (await runningUserQueries(c.store.client, CPU_BOUND_QUERY)) > before);
  return { abort, answer };
}

describe('a runaway users\' query', () => {
  it('leaves readiness, ingest, inserts, questions and other users\' queries their own capacity', async () => {
    const runaway = await startRunaway();
    try {
      expect((await fetch(`${c.apiUrl}/readyz`)).status).toBe(200);
      const res = await postOtlp(c, otlpJsonRequest({ service: 'beside-runaway', name: 'op', count: 20 }), { 'content-type': 'application/json' });
      expect(res.status).toBe(200);
      expect(await rows(c, "SELECT count() AS n FROM otel_traces WHERE ServiceName = 'beside-runaway'")).toEqual([{ n: 20 }]);
      const versions = await fetch(`${c.apiUrl}/api/versions`);
      expect(versions.status).toBe(200);
      const other = await fetch(`${c.apiUrl}/api/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: "SELECT count() AS n FROM otel_traces WHERE ServiceName = 'beside-runaway'" }) });
      expect(await other.json()).toMatchObject({ rows: [{ n: 20 }] });
      expect(await runningUserQueries(c.store.client)).toBe(1);
    } finally {
      runaway.abort.abort();
      await runaway.answer;
    }
    await until(async () => (await runningUserQueries(c.store.client)) === 0);
  });

  it('stops in the engine when its client goes away (/api/sql and the ClickHouse endpoint)', async () => {
    const runaway = await startRunaway();
    runaway.abort.abort();
    await runaway.answer;
    await until(async () => (await runningUserQueries(c.store.client)) === 0);

    const abort = new AbortController();
    const answer = fetch(`${c.clickhouseHttpUrl}/`, { method: 'POST', body: CPU_BOUND_QUERY, signal: abort.signal }).catch((err: Error) => err);
    await until(async () => (await runningUserQueries(c.store.client, CPU_BOUND_QUERY)) === 1);
    abort.abort();
    await answer;
    await until(async () => (await runningUserQueries(c.store.client)) === 0);
  });

  it('a query beyond --sql-max-concurrent waits its turn without reaching the engine, and runs once a place is free', async () => {
    const first = await startRunaway();
    const second = await startRunaway();
    const third = fetch(`${c.apiUrl}/api/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'SELECT 3 AS n' }) });
    expect(await runningUserQueries(c.store.client)).toBe(2);
    first.abort.abort();
    expect(await (await third).json()).toMatchObject({ rows: [{ n: 3 }] });
    second.abort.abort();
    await Promise.all([first.answer, second.answer]);
    await until(async () => (await runningUserQueries(c.store.client)) === 0);
  });
});

describe('SIGTERM while a runaway query runs', () => {
  it('the collector stops the query and exits cleanly on its own', async () => {
    const p = await startCollectorProcess({ args: ['--sql-timeout-ms', '600000', '--shutdown-timeout-ms', '5000'] });
    try {
      // The endpoint streams: once the first bytes arrive, the query runs in the engine.
      const res = await fetch(`${p.clickhouseHttpUrl}/`, { method: 'POST', body: 'SELECT number, cityHash64(repeat(toString(number), 20)) FROM numbers(900000000) FORMAT JSONEachRow' });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      const code = await p.stop();
      expect(code).toBe(0);
      // The answer was cut off, not completed.
      await expect((async () => { for (;;) if ((await reader.read()).done) return 'ended'; })()).rejects.toThrow();
      expect(p.output()).toMatch(/SIGTERM received, stopping/);
    } finally {
      await p.kill();
    }
  });
});
