// Two collectors can store parts of one trace stamped in the same millisecond. The summary settled
// from both parts must still be the trace's newest summary in verdict_trace_state (found by its
// LastArrival), or a later run may take the older one as the last and cancel it a second time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSettler } from '../store/settle.js';
import type { Store } from '../store/store.js';
import { openTestStore, removeTestStore } from './helpers/seed-spans.js';

const TRACE = '0000000000000000000000000000abcd';
let store: Store;

async function rows<T>(query: string): Promise<T[]> {
  return (await store.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

async function span(spanId: string, parent: string, service: string, version: string, environment: string): Promise<void> {
  await store.client.command({
    query: `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, Duration, StatusCode)
      SETTINGS async_insert = 0 VALUES (now64(9) - 60, '${TRACE}', '${spanId}', '${parent}', 'op', 'Server', '${service}', {'service.version': '${version}', 'deployment.environment.name': '${environment}'}, 1000000, 'Ok')`,
  });
}

beforeAll(async () => {
  store = await openTestStore();
});

afterAll(async () => {
  await removeTestStore(store);
});

describe('settling parts stamped in the same millisecond', () => {
  it('writes the new summary strictly after the one it replaces, and leaves one live row per trace and service', async () => {
    // The billing span arrives first and is settled alone: no environment yet (its own spans lack
    // it; the trace's comes with the shop entry span).
    await span('0000000000000002', '0000000000000001', 'billing', '9.0.0', '');
    await createSettler(store.client, { overlapMs: 1, minGapMs: 0 }).settle();
    // The shop entry span arrives at another collector in the same millisecond as the billing part.
    await span('0000000000000001', '', 'shop', '3.0.0', 'production');
    await store.client.command({
      query: `ALTER TABLE verdict_trace_parts UPDATE LastArrival = (SELECT min(LastArrival) FROM verdict_trace_parts WHERE TraceId = '${TRACE}') WHERE TraceId = '${TRACE}' SETTINGS mutations_sync = 2`,
    });
    // Fresh settlers (each starts from the stored watermark) take both parts in again, twice.
    await createSettler(store.client, { overlapMs: 1, minGapMs: 0 }).settle();
    await createSettler(store.client, { overlapMs: 1, minGapMs: 0 }).settle();

    // billing was settled twice (without, then with the trace's environment): two summaries.
    const environments = await rows<{ Environment: string }>(`SELECT Environment FROM verdict_traces_live WHERE TraceId = '${TRACE}' AND ServiceName = 'billing'`);
    expect(environments).toEqual([{ Environment: 'production' }]);
    const state = await rows<{ ServiceName: string; n: string; distinct: string }>(
      `SELECT ServiceName, count() AS n, uniqExact(LastArrival) AS distinct FROM verdict_trace_state WHERE TraceId = '${TRACE}' GROUP BY ServiceName ORDER BY ServiceName`,
    );
    // Every summary of a (trace, service) has its own LastArrival: the newest is never ambiguous.
    expect(state.map((s) => [s.ServiceName, Number(s.n)])).toEqual([['billing', 2], ['shop', 1]]);
    for (const s of state) expect(Number(s.distinct), s.ServiceName).toBe(Number(s.n));
    const live = await rows<{ ServiceName: string; n: string }>(
      `SELECT ServiceName, count() AS n FROM verdict_traces_live WHERE TraceId = '${TRACE}' GROUP BY ServiceName ORDER BY ServiceName`,
    );
    expect(live.map((r) => [r.ServiceName, Number(r.n)])).toEqual([['billing', 1], ['shop', 1]]);
    const signs = await rows<{ ServiceName: string; s: string }>(
      `SELECT ServiceName, sum(Sign) AS s FROM verdict_traces WHERE TraceId = '${TRACE}' GROUP BY ServiceName ORDER BY ServiceName`,
    );
    expect(signs.map((r) => [r.ServiceName, Number(r.s)])).toEqual([['billing', 1], ['shop', 1]]);
  });
});
