// Users' SQL runs under per-query limits the engine enforces, configured through the collector's
// settings: the runaway (count() over 10 trillion numbers) stops at the rows-read limit,
// a CPU-bound query at the time limit, an aggregation at the memory limit, a large answer at the
// result limit; each with ClickHouse's error and the Verdict setting that set the limit, through
// /api/sql and the ClickHouse endpoint alike, and the collector answers normally afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { startTestCollector } from './helpers/in-process-collector.js';
import { CPU_BOUND_QUERY as CPU_BOUND } from './helpers/user-sql.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector({ 'sql-timeout-ms': '1500', 'sql-max-memory-bytes': String(64 * 1024 * 1024), 'sql-max-result-rows': '100000' });
});
afterAll(async () => {
  await c?.close();
});

async function apiSql(query: string): Promise<{ status: number; error?: string; rows?: unknown[] }> {
  const res = await fetch(`${c.apiUrl}/api/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return { status: res.status, ...((await res.json()) as object) };
}

describe('limits on users\' SQL', () => {
  it('stops the runaway count() at the rows-read limit, naming --sql-max-rows-read', async () => {
    const r = await apiSql('SELECT count() FROM numbers(10000000000000)');
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/^Code: 158\..*max_rows_to_read.*--sql-max-rows-read\. \(TOO_MANY_ROWS\)$/s);
  });

  it('stops a CPU-bound query at the time limit, naming --sql-timeout-ms', async () => {
    const r = await apiSql(CPU_BOUND);
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/^Code: 159\. DB::Exception: Timeout exceeded.*--sql-timeout-ms\. \(TIMEOUT_EXCEEDED\)$/s);
  });

  it('stops an aggregation at the memory limit, naming --sql-max-memory-bytes', async () => {
    // Each row adds 8 MB to the aggregate: the limit is reached within a few rows, long before the
    // time limit, however loaded the machine (collecting 10⁸ single numbers outlasted it under load).
    const r = await apiSql('SELECT groupArray(range(1000000)) FROM numbers(1000)');
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/Code: 241\..*memory limit exceeded.*--sql-max-memory-bytes\. \(MEMORY_LIMIT_EXCEEDED\)$/is);
  });

  it('refuses an answer past the result limit, and counts only the answer (not a subquery\'s rows)', async () => {
    const r = await apiSql('SELECT number FROM numbers(200000)');
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/Code: 396\..*--sql-max-result-rows.*\(TOO_MANY_ROWS_OR_BYTES\)$/s);
    const inner = await apiSql('SELECT count() AS n FROM numbers(1000000) WHERE number IN (SELECT number FROM numbers(500000))');
    expect(inner).toMatchObject({ status: 200, rows: [{ n: 500000 }] });
  });

  it('the ClickHouse endpoint gets the same limit, as ClickHouse answers it (408, X-ClickHouse-Exception-Code 159)', async () => {
    const res = await fetch(`${c.clickhouseHttpUrl}/`, { method: 'POST', body: CPU_BOUND });
    expect(res.status).toBe(408);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('159');
    expect(await res.text()).toMatch(/TIMEOUT_EXCEEDED/);
  });

  it('a client may ask for a lower time limit (max_execution_time), never a higher one', async () => {
    const lower = await fetch(`${c.clickhouseHttpUrl}/?max_execution_time=0.2`, { method: 'POST', body: CPU_BOUND });
    expect(lower.status).toBe(408);
    expect(await lower.text()).toMatch(/maximum: 200 ms/);
    const higher = await fetch(`${c.clickhouseHttpUrl}/?max_execution_time=3600`, { method: 'POST', body: CPU_BOUND });
    expect(await higher.text()).toMatch(/maximum: 1500 ms/);
  });

  it('answers ordinary queries after every limit was hit', async () => {
    expect(await apiSql('SELECT 1 AS one')).toMatchObject({ status: 200, rows: [{ one: 1 }] });
    const ready = await fetch(`${c.apiUrl}/readyz`);
    expect(ready.status).toBe(200);
  });
});
