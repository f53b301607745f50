// Queued bytes that change on disk after they were acknowledged (a failing disk) cost only the
// damaged record: at the next start the records around it are stored, exactly once, the damaged
// segment is kept in rejected/, and the collector says so in its log and its metrics.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startCollectorProcess } from '../helpers/collector-process.js';
import { otlpJsonRequest } from '../helpers/otlp-json.js';

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
  const [segment] = readdirSync(queueDir).filter((f) => f.endsWith('.rb'));
  const index = readFileSync(join(queueDir, segment.replace(/\.rb$/, '.idx')));
  expect(index.length).toBe(3 * 12);
  const data = readFileSync(join(queueDir, segment));
  data[index.readUInt32LE(0) + 20] ^= 0xff; // a byte inside the second record
  writeFileSync(join(queueDir, segment), data);

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
    expect(readdirSync(join(queueDir, 'rejected'))).toEqual([segment, segment.replace(/\.rb$/, '.idx')].sort());
    expect(readdirSync(queueDir).filter((f) => f.endsWith('.rb'))).toEqual([]);
  } finally {
    expect(await again.stop()).toBe(0);
  }
});
