// The table is partitioned by day, and ClickHouse by default refuses an insert that touches more
// than 100 partitions. One acknowledged request whose spans span over 100 days (a backfill, clocks
// gone wrong) must still be stored, and must not hold up everything queued behind it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { postOtlp, rows, startTestCollector } from './helpers/in-process-collector.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector({ 'log-level': 'silent' });
});
afterAll(async () => {
  await c?.close();
});

const DAY_NS = 86_400_000_000_000n;
const START_NS = 1_700_000_000_000_000_000n;

function request(service: string, days: number): string {
  const spans = Array.from({ length: days }, (_, i) => ({
    traceId: (i + 1).toString(16).padStart(32, '0'),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: 'op',
    startTimeUnixNano: String(START_NS + BigInt(i) * DAY_NS),
    endTimeUnixNano: String(START_NS + BigInt(i) * DAY_NS + 1_000n),
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] }] });
}

describe('spans over many days in one batch', () => {
  it('stores a batch spread over more than 100 days, and what follows it', async () => {
    expect((await postOtlp(c, request('many-days', 150), { 'content-type': 'application/json' })).status).toBe(200);
    await c.flush();
    expect((await postOtlp(c, request('after', 1), { 'content-type': 'application/json' })).status).toBe(200);
    const stored = await rows(c, 'SELECT ServiceName AS s, count() AS n, uniqExact(toDate(Timestamp)) AS days FROM otel_traces GROUP BY s ORDER BY s');
    expect(stored.map((r) => [r.s, Number(r.n), Number(r.days)])).toEqual([
      ['after', 1, 1],
      ['many-days', 150, 150],
    ]);
  }, 15_000);
});
