// A segment the store refuses for what it contains (bytes that are not RowBinary, whatever the
// cause) can never be inserted. It must be set aside, kept for the operator, and must not hold up
// the segments queued behind it; an unavailable store, by contrast, is retried.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFileName, dataPathOf, indexFileName, rejectedDirOf, writeSegment, type SegmentName } from '../collector/queue/segment-format.js';
import type { RunningCollector } from '../service/start.js';
import { newDataDir } from './helpers/collector-process.js';
import { postOtlp, rows, startTestCollector } from './helpers/in-process-collector.js';

const POISON: SegmentName = { seq: 1, runId: '00000000-0000-4000-8000-000000000000' };
let c: RunningCollector;
let dataDir: string;
beforeAll(async () => {
  // Left by an earlier run: a whole record (its checksum matches) whose bytes are not rows.
  dataDir = newDataDir();
  const queue = join(dataDir, 'queue');
  mkdirSync(queue, { recursive: true });
  writeSegment(queue, POISON, [{ bytes: Buffer.from('these bytes are not RowBinary rows of otel_traces'), rows: 3 }]);
  c = await startTestCollector({ 'data-dir': dataDir, 'log-level': 'silent' });
});
afterAll(async () => {
  await c?.close();
});

const span = JSON.stringify({
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'behind-poison' } }] },
    scopeSpans: [{ spans: [{ traceId: '1'.padStart(32, '0'), spanId: '1'.padStart(16, '0'), name: 'op', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000001000000' }] }],
  }],
});

describe('a segment the store can never take', () => {
  it('is set aside, and the spans queued behind it are stored', async () => {
    expect((await postOtlp(c, span, { 'content-type': 'application/json' })).status).toBe(200);
    const stored = await rows(c, "SELECT count() AS n FROM otel_traces WHERE ServiceName = 'behind-poison'");
    expect(Number(stored[0].n)).toBe(1);
    // Kept for the operator, out of the queue, and counted.
    expect(existsSync(dataPathOf(join(dataDir, 'queue'), POISON))).toBe(false);
    expect(readdirSync(rejectedDirOf(join(dataDir, 'queue'))).sort()).toEqual([dataFileName(POISON), indexFileName(POISON)].sort());
    expect(c.inserter.stats()).toMatchObject({ rejectedSegments: 1, rejectedRows: 3, failedInserts: 0, storeFailing: false });
    expect(c.inserter.stats().lastError).toMatch(/Cannot read all data/);
    const metrics = await (await fetch(`${c.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/^verdict_rejected_batches_total 1$/m);
    expect(metrics).toMatch(/^verdict_rejected_rows_total 3$/m);
  }, 15_000);
});
