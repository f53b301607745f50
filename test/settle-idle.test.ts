// A run with nothing stored since the last one reads the same parts again; the collector's beat
// runs every few seconds, so an idle collector would re-settle its last batch (or every trace a
// migration's backfill stamped in one millisecond) forever. Such a run skips the settle statement;
// any new part, even one stamped behind the newest arrival, makes the next run settle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSettler } from '../store/settle.js';
import type { Store } from '../store/store.js';
import { openTestStore, removeTestStore } from './helpers/seed-spans.js';
import { countingSettles } from './helpers/settle-statements.js';

let store: Store;


async function span(traceId: string, version: string, arrivalSql = 'now64(3)'): Promise<void> {
  await store.client.command({
    query: `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, Duration, StatusCode)
      SETTINGS async_insert = 0 VALUES (now64(9) - 60, '${traceId}', '00000000000000a1', '', 'op', 'Server', 'shop', {'service.version': '${version}'}, 1000000, 'Ok')`,
  });
  if (arrivalSql !== 'now64(3)') {
    await store.client.command({ query: `ALTER TABLE verdict_trace_parts UPDATE LastArrival = ${arrivalSql} WHERE TraceId = '${traceId}' SETTINGS mutations_sync = 2` });
  }
}

async function live(): Promise<string[]> {
  const rows = await (await store.client.query({ query: 'SELECT TraceId FROM verdict_traces_live ORDER BY TraceId', format: 'JSONEachRow' })).json<{ TraceId: string }>();
  return rows.map((r) => r.TraceId);
}

beforeAll(async () => {
  store = await openTestStore();
});

afterAll(async () => {
  await removeTestStore(store);
});

describe('settling when nothing new was stored', () => {
  it('skips the settle statement until a part arrives, even one stamped behind the newest arrival', async () => {
    const w = countingSettles(store.client);
    const settler = createSettler(w.client, { overlapMs: 1, minGapMs: 0 });
    await span('000000000000000000000000000000a1', '1.0.0');
    await settler.settle();
    expect(w.settles()).toBe(1);
    expect(await live()).toEqual(['000000000000000000000000000000a1']);

    // Idle beats: the first reads the last run's newest millisecond again (its window starts there);
    // from then on nothing stored since, nothing settled again.
    await settler.settle();
    const settled = w.settles();
    expect(settled).toBeLessThanOrEqual(2);
    await settler.settle();
    await settler.settle();
    expect(w.settles()).toBe(settled);

    // A part committed late, stamped in the window the last run read (its newest arrival): settled.
    const newest = '(SELECT max(LastArrival) FROM verdict_trace_parts)';
    await span('000000000000000000000000000000b2', '1.0.0', newest);
    await settler.settle();
    expect(w.settles()).toBe(settled + 1);
    expect(await live()).toEqual(['000000000000000000000000000000a1', '000000000000000000000000000000b2']);
  });
});
