// A settle run after an insert leaves the feedback of the traces it settled to the next run that
// settles feedback (flush, the timed beat): that run re-attributes the feedback of every trace
// re-attributed since, however many runs handed their windows over in between, and after a restart
// (a crash before it) the carried window on disk is covered by the new process's first one.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAssessment } from '../quality/assessment.js';
import { insertAssessments } from '../quality/assessment-store.js';
import { createLeaseLock, type LeaseLock } from '../schema/lease-lock.js';
import { createSettler } from '../store/settle.js';
import type { Store } from '../store/store.js';
import { openTestStore, removeTestStore } from './helpers/seed-spans.js';

let store: Store;
let dir: string;

/** One server span of `traceId` (a request): the root (its version wins) or a child. */
async function span(traceId: string, spanId: string, version: string, root: boolean): Promise<void> {
  await store.client.command({
    query: `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, Duration, StatusCode)
      SETTINGS async_insert = 0 VALUES (now64(9) - 60, {trace:String}, {span:String}, {parent:String}, 'op', 'Server', 'shop', map('service.version', {version:String}), 1000000, 'Ok')`,
    query_params: { trace: traceId, span: spanId, parent: root ? '' : '00000000000000a1', version },
  });
}

async function thumbsUp(traceId: string): Promise<void> {
  await insertAssessments(store.client, [
    parseAssessment({ trace_id: traceId, assessment_name: 'thumbs_up', feedback: { value: true }, source: { source_type: 'HUMAN', source_id: 'u1' } }),
  ]);
}

/** The live feedback rows of a trace, by version. */
async function feedbackVersions(traceId: string): Promise<Record<string, number>> {
  const result = await store.client.query({
    query: 'SELECT AppVersion, sum(Traces) AS n FROM verdict_feedback_traces WHERE TraceId = {t:String} GROUP BY AppVersion HAVING n != 0',
    query_params: { t: traceId },
    format: 'JSONEachRow',
  });
  return Object.fromEntries((await result.json<{ AppVersion: string; n: string }>()).map((r) => [r.AppVersion, Number(r.n)]));
}

beforeAll(async () => {
  store = await openTestStore();
  dir = mkdtempSync(join(tmpdir(), 'verdict-carry-'));
});

afterAll(async () => {
  await removeTestStore(store);
  rmSync(dir, { recursive: true, force: true });
});

describe('feedback settled on its own beat', () => {
  it('re-attributes the feedback of a trace re-attributed in a run that handed it over, after later runs moved the window past it', async () => {
    const settler = createSettler(store.client, { overlapMs: 1, minGapMs: 0, feedbackCarryFile: join(dir, 'a.json') });
    const t = '0000000000000000000000000000f0a1';
    // A child span first (its version attributes the trace until the root comes), with feedback.
    await span(t, '00000000000000b1', '1.0.0', false);
    await thumbsUp(t);
    await settler.settle();
    expect(await feedbackVersions(t)).toEqual({ '1.0.0': 1 });

    // The root arrives: the trace is re-attributed to 2.0.0 by a run after the insert, which leaves
    // its feedback where it was; another trace's run moves the span window past the root's part.
    await span(t, '00000000000000a1', '2.0.0', true);
    await settler.settleSoon('insert-1');
    expect(await feedbackVersions(t)).toEqual({ '1.0.0': 1 });
    await span('0000000000000000000000000000f0b2', '00000000000000a1', '1.0.0', true);
    await settler.settleSoon('insert-2');

    // The next feedback settle covers both windows handed over.
    await settler.settle();
    expect(await feedbackVersions(t)).toEqual({ '2.0.0': 1 });
    await settler.close();
  });

  it('covers a window handed over before a crash in the first feedback settle after the restart', async () => {
    const file = join(dir, 'b.json');
    const before = createSettler(store.client, { overlapMs: 1, minGapMs: 0, feedbackCarryFile: file });
    const t = '0000000000000000000000000000f0c3';
    await span(t, '00000000000000b1', '1.0.0', false);
    await thumbsUp(t);
    // A later assessment of another trace: after the restart, feedback is read again from its arrival on.
    await span('0000000000000000000000000000f0e5', '00000000000000a1', '1.0.0', true);
    await thumbsUp('0000000000000000000000000000f0e5');
    await before.settle();
    expect(await feedbackVersions(t)).toEqual({ '1.0.0': 1 });
    await span(t, '00000000000000a1', '3.0.0', true);
    await before.settleSoon('insert-3');
    await span('0000000000000000000000000000f0f6', '00000000000000a1', '1.0.0', true);
    await before.settleSoon('insert-4');
    // The process dies here (`before` is never closed); the restarted one starts from the stored
    // watermarks, past the root's part and the trace's assessment, and finds the carried window on disk.
    const after = createSettler(store.client, { overlapMs: 1, minGapMs: 0, feedbackCarryFile: file });
    expect(existsSync(file)).toBe(true);
    await after.settle();
    expect(await feedbackVersions(t)).toEqual({ '3.0.0': 1 });
    expect(existsSync(file)).toBe(false);
    await after.close();
  });

  it('keeps an assessment that came before its trace until the trace settles, and counts it by the close after', async () => {
    const settler = createSettler(store.client, { overlapMs: 1, minGapMs: 0 });
    const t = '0000000000000000000000000000f0d4';
    await thumbsUp(t);
    await settler.settle();
    expect(await feedbackVersions(t)).toEqual({});
    await span(t, '00000000000000a1', '4.0.0', true);
    await settler.settleSoon('insert-5');
    // Closing settles what this process handed over.
    await settler.close();
    expect(await feedbackVersions(t)).toEqual({ '4.0.0': 1 });
  });

  it('does not skip a timed run for a busy lock while it owes handed-over feedback', async () => {
    // Two collectors' settle locks on one store: `other` settles while this one's timed beat comes.
    const mine = createLeaseLock(store.client, { name: 'settle_handover_test', leaseMs: 30_000, pollMs: 20 });
    const other = createLeaseLock(store.client, { name: 'settle_handover_test', leaseMs: 30_000, pollMs: 20 });
    // The same lock, telling when the settler has asked for it (so `other` lets go only after).
    let asked = () => {};
    const watched: LeaseLock = {
      ...mine,
      async tryAcquire() {
        const got = await mine.tryAcquire();
        asked();
        return got;
      },
      async acquire(signal) {
        asked();
        await mine.acquire(signal);
      },
    };
    const settler = createSettler(store.client, { overlapMs: 1, minGapMs: 0, lock: watched });
    const t = '0000000000000000000000000000f0a7';
    await span(t, '00000000000000b1', '1.0.0', false);
    await thumbsUp(t);
    await settler.settle();
    await span(t, '00000000000000a1', '5.0.0', true);
    await settler.settleSoon('insert-6');
    expect(await feedbackVersions(t)).toEqual({ '1.0.0': 1 });

    await other.acquire();
    const askedNow = new Promise<void>((resolve) => (asked = resolve));
    const beat = settler.settle(undefined, { skipIfBusy: true });
    await askedNow;
    await other.release();
    await beat;
    expect(await feedbackVersions(t)).toEqual({ '5.0.0': 1 });
    await settler.close();
  });
});
