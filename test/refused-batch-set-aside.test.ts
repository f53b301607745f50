// A segment the store refuses for what it contains (bytes that are not RowBinary, whatever the
// cause) can never be inserted. It must be set aside, kept for the operator, and must not hold up
// the segments queued behind it; an unavailable store, by contrast, is retried.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { newDataDir } from './helpers/collector-process.js';
import { postOtlp, rows, startTestCollector } from './helpers/in-process-collector.js';

const POISON = 'seg-000000000001-00000000-0000-4000-8000-000000000000';
let c: RunningCollector;
let dataDir: string;
beforeAll(async () => {
  // Left by an earlier run: a whole record (its checksum matches) whose bytes are not rows.
  dataDir = newDataDir();
  const queue = join(dataDir, 'queue');
  mkdirSync(queue, { recursive: true });
  const junk = Buffer.from('these bytes are not RowBinary rows of otel_traces');
  const entry = Buffer.alloc(12);
  entry.writeUInt32LE(junk.length, 0);
  entry.writeUInt32LE(3, 4);
  entry.writeUInt32LE(crc32(junk), 8);
  writeFileSync(join(queue, `${POISON}.rb`), junk);
  writeFileSync(join(queue, `${POISON}.idx`), entry);
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
    expect(existsSync(join(dataDir, 'queue', `${POISON}.rb`))).toBe(false);
    expect(readdirSync(join(dataDir, 'queue', 'rejected')).sort()).toEqual([`${POISON}.idx`, `${POISON}.rb`]);
    expect(c.inserter.stats()).toMatchObject({ rejectedSegments: 1, rejectedRows: 3, failedInserts: 0, storeFailing: false });
    expect(c.inserter.stats().lastError).toMatch(/Cannot read all data/);
    const metrics = await (await fetch(`${c.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/^verdict_rejected_batches_total 1$/m);
    expect(metrics).toMatch(/^verdict_rejected_rows_total 3$/m);
  }, 15_000);
});
