// Queued bytes that change on disk after they were acknowledged (a failing disk) cost only the
// damaged record: at the next start the records around it are stored, exactly once, the damaged
// segment is kept in rejected/, and the collector says so in its log and its metrics.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { dataFileName, indexFileName, listSegments, readSegmentRecords, rejectedDirOf, wholePathOf } from '../../collector/queue/segment-format.js';
import { startCollectorProcess } from '../helpers/collector-process.js';
import { otlpJsonRequest } from '../helpers/otlp-json.js';
import { rotByte } from '../helpers/queue-segments.js';

it('stores the records around a corrupt one after a restart, and reports it', async () => {
  // No seal by age or size: the three requests stay queued, one record each, until the kill.
  const args = ['--batch-max-delay-ms', '600000', '--batch-max-rows', '1000000'];
  const first = await startCollectorProcess({ args });
  for (const [i, name] of ['before', 'damaged', 'after'].entries()) {
    const res = await fetch(`${first.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: otlpJsonRequest({ service: 'corruption', count: 10, name, firstId: 1 + i * 10 }),
    });
    expect(res.status).toBe(200);
  }
  await first.kill();

  const queueDir = join(first.dataDir, 'queue');
  const [segment] = listSegments(queueDir);
  expect(readSegmentRecords(queueDir, segment)).toHaveLength(3);
  rotByte(queueDir, segment, 1, 20); // a byte inside the second record

  const again = await startCollectorProcess({ args, dataDir: first.dataDir });
  try {
    await again.flush();
    expect(await again.sql("SELECT SpanName AS name, count() AS n, uniqExact(SpanId) AS ids FROM otel_traces GROUP BY name ORDER BY name")).toEqual([
      { name: 'after', n: 10, ids: 10 },
      { name: 'before', n: 10, ids: 10 },
    ]);
    const metrics = await (await fetch(`${again.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/^verdict_queue_corrupt_records_total 1$/m);
    expect(metrics).toMatch(/^verdict_queue_recovered_rows_total 20$/m);
    expect(again.output()).toMatch(/failed their checksum/);
    expect(readdirSync(rejectedDirOf(queueDir))).toEqual([dataFileName(segment), indexFileName(segment)].sort());
    expect(listSegments(queueDir)).toEqual([]);
    expect(existsSync(wholePathOf(queueDir, segment))).toBe(false);
  } finally {
    expect(await again.stop()).toBe(0);
  }
});
