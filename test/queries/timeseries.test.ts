// The over-time question the page charts: per service, environment and version, each bucket's
// requests and errors are exactly the seeded ones (and agree with the error-rate question), the
// latency quantiles are the rollup's t-digest estimates of the seeded uniform durations, and the
// scope and bucket parameters behave like the other series questions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store/store.js';
import { errorRate } from '../../queries/error-rate.js';
import { timeseries } from '../../queries/timeseries.js';
import { openTestStore, seed, T0, HOUR, MINUTE } from '../helpers/seed-spans.js';

let store: Store;
const prod = { service: 'chat-api', environment: 'production' };

beforeAll(async () => {
  store = await openTestStore();
  const p = { ...prod, spacingMs: MINUTE, latencyMs: 200 };
  // 1.0.0 for three hours, one request a minute, and from the third hour on 1.1.0 beside it (100
  // requests in that hour, 1 in 10 failing) at twice the latency.
  await seed(store.client, { ...p, version: '1.0.0', requests: 120, errors: 1, startMs: T0 });
  await seed(store.client, { ...p, version: '1.0.0', requests: 60, errors: 1, startMs: T0 + 2 * HOUR, seed: 'late' });
  await seed(store.client, { ...p, version: '1.1.0', requests: 100, errors: 10, startMs: T0 + 2 * HOUR + 30_000, spacingMs: 36_000, latencyMs: 400 });
  await seed(store.client, { ...p, environment: 'staging', version: '9.9.9', requests: 10, errors: 0, startMs: T0 });
});

afterAll(async () => {
  await store?.close();
});

describe('timeseries', () => {
  it('gives each version its buckets with exact counts, matching the error-rate question', async () => {
    const r = await timeseries(store.client, { ...prod, bucketSeconds: 3600 });
    expect(r.bucketSeconds).toBe(3600);
    expect(r.from).toBe(new Date(T0).toISOString());
    expect(r.series.map((s) => [s.service, s.environment, s.version, s.requests, s.errors])).toEqual([
      ['chat-api', 'production', '1.0.0', 180, 2],
      ['chat-api', 'production', '1.1.0', 100, 10],
    ]);
    const v1 = r.series[0];
    expect(v1.points.map((p) => [p.time, p.requests])).toEqual([
      [new Date(T0).toISOString(), 60],
      [new Date(T0 + HOUR).toISOString(), 60],
      [new Date(T0 + 2 * HOUR).toISOString(), 60],
    ]);
    const e = await errorRate(store.client, { ...prod, bucketSeconds: 3600 });
    for (const s of r.series) {
      const same = e.series.find((x) => x.version === s.version)!;
      expect(s.points.map((p) => [p.time, p.requests, p.errors, p.errorRate])).toEqual(same.points.map((p) => [p.time, p.requests, p.errors, p.errorRate]));
    }
  });

  it('estimates p50 and p95 of each bucket from the rollup', async () => {
    const r = await timeseries(store.client, { ...prod, bucketSeconds: 3600 });
    const v11 = r.series[1].points[0];
    // Durations are 200 + 4i ms for i = 0…99: p50 ≈ 398 ms, p95 ≈ 576 ms.
    expect(Math.abs(v11.latencyMs.p50 / 400 - 1)).toBeLessThan(0.05);
    expect(Math.abs(v11.latencyMs.p95 / 576 - 1)).toBeLessThan(0.05);
  });

  it('keeps environments apart when no scope is given, and picks a bucket for the range', async () => {
    const r = await timeseries(store.client);
    expect(r.series.map((s) => `${s.service}/${s.environment}/${s.version}`)).toEqual(['chat-api/production/1.0.0', 'chat-api/production/1.1.0', 'chat-api/staging/9.9.9']);
    // Three hours of data: one-minute buckets (180) are the smallest that stay within about 200.
    expect(r.bucketSeconds).toBe(60);
    expect(r.series[0].points).toHaveLength(180);
  });

  it('refuses a bucket size that the rollups cannot serve', async () => {
    await expect(timeseries(store.client, { bucketSeconds: 61 })).rejects.toThrow(/bucket must be one of/);
  });
});
