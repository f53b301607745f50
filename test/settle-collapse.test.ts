// A run that re-settles many traces (a migration's backfill, a long replay) leaves a cancelled
// summary per trace; until a merge meets both rows of each pair, every question reading
// verdict_traces_live carries them. The settler collapses the table after such a run, and answers
// stay the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versions } from '../queries/versions.js';
import { COLLAPSE_SETTLED, createSettler } from '../store/settle.js';
import type { Store } from '../store/store.js';
import { openTestStore, removeTestStore } from './helpers/seed-spans.js';

const TRACES = 40;
let store: Store;

async function one(query: string): Promise<number> {
  const [row] = await (await store.client.query({ query, format: 'JSONEachRow' })).json<{ n: string }>();
  return Number(row.n);
}

/** One span per trace: a child carrying `version` (no root yet), or the root carrying `version`. */
async function spans(kind: 'child' | 'root', version: string): Promise<void> {
  await store.client.command({
    query: `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, Duration, StatusCode)
      SELECT now64(9) - 600 + number, lpad(hex(number + 1), 32, '0'), ${kind === 'root' ? "'00000000000000a1'" : "'00000000000000b2'"},
        ${kind === 'root' ? "''" : "'00000000000000a1'"}, 'op', ${kind === 'root' ? "'Server'" : "'Internal'"}, 'shop',
        map('service.version', '${version}', 'deployment.environment.name', 'production'), 1000000, 'Ok'
      FROM numbers(${TRACES}) SETTINGS async_insert = 0`,
  });
}

beforeAll(async () => {
  store = await openTestStore();
});

afterAll(async () => {
  await removeTestStore(store);
});

describe('collapsing after a large re-settle', () => {
  it('merges away the cancelled summaries a re-attributing run left, and every answer stays the same', async () => {
    // Merges stopped: the cancelled rows stay until something collapses them (as on a large store,
    // where a merge meeting both rows of a pair may take long).
    await store.client.command({ query: 'SYSTEM STOP MERGES verdict_traces' });
    await spans('child', '1.0.0');
    await createSettler(store.client, { overlapMs: 1, minGapMs: 0 }).settle();
    // The roots arrive with another version: every trace moves from 1.0.0 to 2.0.0.
    await spans('root', '2.0.0');
    await createSettler(store.client, { overlapMs: 1, minGapMs: 0 }).settle();
    expect(await one('SELECT countIf(Sign = -1) AS n FROM verdict_traces')).toBe(TRACES);
    const before = await versions(store.client, { service: 'shop' });

    // Runs below either threshold leave them: one that read fewer parts (a fresh settler re-reads the
    // last millisecond's: the roots), one that finds fewer cancelled summaries waiting.
    const settleCollapsing = (afterParts: number, cancelled: number) =>
      createSettler(store.client, { overlapMs: 1, minGapMs: 0, collapse: { statement: COLLAPSE_SETTLED, afterParts, cancelled } }).settle();
    await settleCollapsing(TRACES + 1, 1);
    await settleCollapsing(0, TRACES + 1);
    expect(await one('SELECT countIf(Sign = -1) AS n FROM verdict_traces')).toBe(TRACES);
    // At both thresholds the table is merged whole (merges allowed again: OPTIMIZE is one; a
    // background merge that gets there first leaves fewer to count, so the threshold here is 1).
    await store.client.command({ query: 'SYSTEM START MERGES verdict_traces' });
    await settleCollapsing(0, 1);
    expect(await one('SELECT countIf(Sign = -1) AS n FROM verdict_traces')).toBe(0);

    expect(await one("SELECT count() AS n FROM verdict_traces_live WHERE AppVersion = '2.0.0'")).toBe(TRACES);
    expect(await one('SELECT count() AS n FROM verdict_traces_live')).toBe(TRACES);
    const after = await versions(store.client, { service: 'shop' });
    expect(after.versions.map((v) => [v.version, v.requests])).toEqual([['2.0.0', TRACES]]);
    expect(after).toEqual(before);
  });
});
