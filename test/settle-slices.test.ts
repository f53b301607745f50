// A settle window with more trace parts than one statement should hold (a restart after a backfill
// stamped millions of traces in one millisecond, a long replay) is settled in slices of traces, one
// statement each. The slices together must settle exactly what one statement would: every trace
// once, re-attributed traces cancelled once, rollups equal to the settled traces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versions } from '../queries/versions.js';
import { readSqlFile } from '../schema/sql-files.js';
import { createSettler } from '../store/settle.js';
import type { Store } from '../store/store.js';
import { openTestStore, removeTestStore } from './helpers/seed-spans.js';
import { countingSettles } from './helpers/settle-statements.js';

const TRACES = 60;
const SLICE_PARTS = 16;
let store: Store;


/** One span per trace, all in one insert: a child carrying `version` (no root yet), or the root carrying `version`. */
async function spans(kind: 'child' | 'root', version: string): Promise<void> {
  await store.client.command({
    query: `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, Duration, StatusCode)
      SELECT now64(9) - 600 + number, lpad(hex(number + 1), 32, '0'), ${kind === 'root' ? "'00000000000000a1'" : "'00000000000000b2'"},
        ${kind === 'root' ? "''" : "'00000000000000a1'"}, 'op', ${kind === 'root' ? "'Server'" : "'Internal'"}, 'shop',
        map('service.version', '${version}', 'deployment.environment.name', 'production'), 1000000 + number, if(number % 7 = 0, 'Error', 'Ok')
      FROM numbers(${TRACES}) SETTINGS async_insert = 0`,
  });
}

async function rows<T>(query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
  return (await store.client.query({ query, query_params, format: 'JSONEachRow' })).json<T>();
}

/** The live settled summaries, and what one statement over every part would settle. */
async function settledAndWhole(): Promise<[string[], string[]]> {
  const settled = await rows<{ k: string }>(
    "SELECT concat(TraceId, ':', AppVersion, ':', toString(SummaryHash)) AS k FROM verdict_traces_live ORDER BY k",
  );
  const whole = await rows<{ k: string }>(
    `SELECT concat(TraceId, ':', AppVersion, ':', toString(SummaryHash)) AS k
     FROM (${readSqlFile('schema/trace-summaries.sql')}) ORDER BY k`,
    { since: '1970-01-01 00:00:00.000', shards: 1, shard: 0 },
  );
  return [settled.map((r) => r.k), whole.map((r) => r.k)];
}

beforeAll(async () => {
  store = await openTestStore();
});

afterAll(async () => {
  await removeTestStore(store);
});

describe('settling a large window in slices of traces', () => {
  it('settles every trace once across the slices, and cancels each re-attributed trace once', async () => {
    const w = countingSettles(store.client);
    await spans('child', '1.0.0');
    await createSettler(w.client, { overlapMs: 1, minGapMs: 0, sliceParts: SLICE_PARTS }).settle();
    // 60 parts in slices of at most 16: four statements.
    expect(w.settles()).toBe(Math.ceil(TRACES / SLICE_PARTS));
    let [settled, whole] = await settledAndWhole();
    expect(settled).toHaveLength(TRACES);
    expect(settled).toEqual(whole);

    // The roots arrive with another version: every trace moves from 1.0.0 to 2.0.0, slice by slice.
    await spans('root', '2.0.0');
    const before = w.settles();
    await createSettler(w.client, { overlapMs: 1, minGapMs: 0, sliceParts: SLICE_PARTS }).settle();
    // (A fresh settler's window also holds the children's parts when they share the newest millisecond.)
    expect(w.settles() - before).toBeGreaterThanOrEqual(Math.ceil(TRACES / SLICE_PARTS));
    [settled, whole] = await settledAndWhole();
    expect(settled).toHaveLength(TRACES);
    expect(settled).toEqual(whole);
    const signs = await rows<{ v: string; n: string }>(
      'SELECT AppVersion AS v, toString(sum(Sign * Requests)) AS n FROM verdict_traces GROUP BY v ORDER BY v',
    );
    expect(signs).toEqual([{ v: '1.0.0', n: '0' }, { v: '2.0.0', n: String(TRACES) }]);

    // The rollups moved with them: 60 requests, 9 of them errors (numbers 0, 7, …, 56), all in 2.0.0.
    const answer = await versions(store.client, { service: 'shop' });
    expect(answer.versions.map((r) => [r.version, r.requests, r.errors])).toEqual([['2.0.0', TRACES, 9]]);
  });

  it('after a restart, settles nothing again from a window whose traces are all settled, and settles those that are not', async () => {
    // Every trace's parts and summary stamped in one millisecond past the settler's watermark, as
    // a migration's backfill leaves them (it settles what it stamped): a fresh settler's window
    // holds them all, and all are settled.
    const stamp = "toDateTime64('2030-01-01 00:00:00', 3)";
    await store.client.command({ query: `ALTER TABLE verdict_trace_parts UPDATE LastArrival = ${stamp} WHERE 1 SETTINGS mutations_sync = 2` });
    await store.client.command({ query: `ALTER TABLE verdict_traces UPDATE LastArrival = ${stamp} WHERE 1 SETTINGS mutations_sync = 2` });
    const w = countingSettles(store.client);
    const restart = () => createSettler(w.client, { overlapMs: 1, minGapMs: 0, sliceParts: SLICE_PARTS }).settle();
    await restart();
    expect(w.settles()).toBe(0);

    // A span stored but not settled before the restart (its trace's summary lacks it): its slice settles.
    const five = `${'0'.repeat(30)}05`;
    await store.client.command({
      query: `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, Duration, StatusCode)
        SETTINGS async_insert = 0 VALUES (now64(9) - 500, '${five}', '00000000000000c3', '00000000000000a1', 'tool', 'Internal', 'shop', 1000, 'Ok')`,
    });
    await store.client.command({ query: `ALTER TABLE verdict_trace_parts UPDATE LastArrival = ${stamp} WHERE TraceId = '${five}' SETTINGS mutations_sync = 2` });
    await restart();
    expect(w.settles()).toBe(1);
    expect(await rows<{ spans: string }>(`SELECT toString(sum(Sign * Spans)) AS spans FROM verdict_traces WHERE TraceId = '${five}'`)).toEqual([{ spans: '3' }]);

    // A part with no spans that arrived after the summary (how migration 032 asked for every stored
    // trace to be settled again, priced): its slice settles too.
    const six = `${'0'.repeat(30)}06`;
    await store.client.command({ query: `ALTER TABLE verdict_trace_parts UPDATE LastArrival = LastArrival + 1 WHERE TraceId = '${six}' SETTINGS mutations_sync = 2` });
    await restart();
    expect(w.settles()).toBe(2);
    const [settled, whole] = await settledAndWhole();
    expect(settled).toEqual(whole);
  });
});
