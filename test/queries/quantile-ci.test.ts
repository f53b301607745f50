// Each latency quantile's interval comes from the order statistics at ranks n·p ∓ z·√(n·p·(1−p)),
// computed in SQL (queries/compare/quantile-ci.sql) where compare computes it. Checked here on
// known samples in the engine against ranks worked out by hand.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSql } from '../../queries/run-query.js';
import { QUANTILE_LEVELS, Z_95 } from '../../queries/statistics.js';
import { loadConfig } from '../../store/config.js';
import { openStore, type Store } from '../../store/store.js';

let store: Store;
beforeAll(() => {
  store = openStore(loadConfig({}, { 'data-dir': mkdtempSync(join(tmpdir(), 'verdict-quantile-ci-')) }));
});
afterAll(async () => {
  await store?.close();
});

/** The interval bounds for a sorted sample 1..n, where the value at rank r is r itself. */
async function bounds(n: number): Promise<{ lo: number[]; hi: number[] }> {
  const sql = `SELECT ${renderSql('compare/quantile-ci', { sorted: 'b_sorted', side: 'b' })} FROM (SELECT arraySort(range(1, {n:UInt64} + 1)) AS b_sorted)`;
  const result = await store.client.query({ query: sql, format: 'JSONEachRow', query_params: { n, z: Z_95, quantiles: [...QUANTILE_LEVELS] } });
  const [row] = await result.json<{ b_latency_lo_ns: (number | string)[]; b_latency_hi_ns: (number | string)[] }>();
  return { lo: row.b_latency_lo_ns.map(Number), hi: row.b_latency_hi_ns.map(Number) };
}

describe('quantile intervals from order statistics', () => {
  it('bound the median of 100 values by the 40th and 60th, and each other quantile by its own ranks', async () => {
    // p = 0.5: 50 ∓ 1.96·5 = [40.2, 59.8] → floor/ceil → 40, 60. p = 0.9: 90 ∓ 1.96·3 → 84, 96.
    // p = 0.95: 95 ∓ 1.96·2.179 → 90, 100. p = 0.99: 99 ∓ 1.96·0.995 → 97, 100 (clamped to n).
    expect(await bounds(100)).toEqual({ lo: [40, 84, 90, 97], hi: [60, 96, 100, 100] });
  });

  it('clamp to the sample at its smallest', async () => {
    expect(await bounds(1)).toEqual({ lo: [1, 1, 1, 1], hi: [1, 1, 1, 1] });
  });
});
