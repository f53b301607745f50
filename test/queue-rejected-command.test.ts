// `verdict queue rejected list | retry | discard`, as an operator runs it: through the running
// collector's API when one owns the data directory (its live queue moves the segments, a retried
// batch is inserted at once, one the store refuses again is set aside again), and on the folder
// itself when none runs (a retried batch is inserted at the collector's next start). Metrics count
// what is set aside; unknown ids change nothing.
import { mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeSpanRows } from '../collector/encode/model-rows.js';
import { decodeTraceRequestJson } from '../collector/otlp/json-decoder.js';
import { QUEUE_DIR, rejectedDirOf, segmentBaseName, writeSegment, type SegmentName } from '../collector/queue/segment-format.js';
import { newDataDir, startCollectorProcess, type CollectorProcess } from './helpers/collector-process.js';
import { otlpJsonRequest } from './helpers/otlp-json.js';
import { runCli } from './helpers/run-cli.js';

const RUN = '00000000-0000-4000-8000-0000000000aa';
const GOOD: SegmentName = { seq: 7, runId: RUN };
const POISON: SegmentName = { seq: 8, runId: RUN };

/** A data directory whose queue holds two set-aside segments: real rows, and bytes no store takes. */
function dataDirWithSetAside(service: string): string {
  const dataDir = newDataDir();
  const aside = rejectedDirOf(join(dataDir, QUEUE_DIR));
  mkdirSync(aside, { recursive: true });
  const rows = encodeSpanRows(decodeTraceRequestJson(otlpJsonRequest({ service, count: 5 })));
  writeSegment(aside, GOOD, [{ bytes: rows.bytes, rows: rows.rows }]);
  writeSegment(aside, POISON, [{ bytes: Buffer.from('these bytes are not RowBinary rows of otel_traces'), rows: 2 }]);
  return dataDir;
}

async function listed(dataDir: string): Promise<{ id: string; rows: number }[]> {
  const res = await runCli(['queue', 'rejected', 'list', '--json', '--data-dir', dataDir]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return res.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; rows: number });
}

async function metric(c: CollectorProcess, name: string): Promise<number> {
  const text = await (await fetch(`${c.apiUrl}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)![1]);
}

const count = async (c: CollectorProcess, service: string) =>
  (await c.sql(`SELECT count() AS n FROM otel_traces WHERE ServiceName = '${service}'`))[0].n;

describe('verdict queue rejected', () => {
  it('with a collector running: lists, retries (stored at once, or set aside again) and discards through its API', async () => {
    const dataDir = dataDirWithSetAside('retried-live');
    const c = await startCollectorProcess({ dataDir, args: ['--log-level', 'silent'] });
    try {
      expect(await listed(dataDir)).toEqual([
        expect.objectContaining({ id: segmentBaseName(GOOD), rows: 5, records: 1, damagedRecords: 0 }),
        expect.objectContaining({ id: segmentBaseName(POISON), rows: 2 }),
      ]);
      expect(await metric(c, 'verdict_queue_rejected_segments')).toBe(2);
      expect(await metric(c, 'verdict_queue_rejected_bytes')).toBeGreaterThan(0);

      const unknown = await runCli(['queue', 'rejected', 'retry', segmentBaseName(GOOD), 'seg-000000000099-nope', '--data-dir', dataDir]);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('no set-aside segment seg-000000000099-nope');
      expect(await listed(dataDir)).toHaveLength(2);

      const retried = await runCli(['queue', 'rejected', 'retry', segmentBaseName(GOOD), segmentBaseName(POISON), '--data-dir', dataDir]);
      expect(retried.stderr).toBe('');
      expect(retried.stdout).toMatch(/queued again: 2 segment\(s\), \d+ bytes on disk/);
      await c.flush();
      expect(await count(c, 'retried-live')).toBe(5);
      // The store refuses the poison again: set aside again, still on the list.
      expect((await listed(dataDir)).map((s) => s.id)).toEqual([segmentBaseName(POISON)]);

      const discarded = await runCli(['queue', 'rejected', 'discard', '--all', '--data-dir', dataDir]);
      expect(discarded.stdout).toMatch(new RegExp(`${segmentBaseName(POISON)}[\\s\\S]*discarded: 1 segment\\(s\\)`));
      expect(await listed(dataDir)).toEqual([]);
      expect(await metric(c, 'verdict_queue_rejected_segments')).toBe(0);
      expect(await metric(c, 'verdict_queue_rejected_bytes')).toBe(0);
    } finally {
      expect(await c.stop()).toBe(0);
    }
  }, 60_000);

  it('with no collector running: works on the folder, and a retried batch is stored at the next start', async () => {
    const dataDir = dataDirWithSetAside('retried-offline');
    // The folder is a collector's (schema applied), stopped.
    const first = await startCollectorProcess({ dataDir, args: ['--log-level', 'silent'] });
    expect(await first.stop()).toBe(0);
    // The poison was not touched by that run: set-aside segments wait for the operator.
    expect((await listed(dataDir)).map((s) => s.id)).toEqual([segmentBaseName(GOOD), segmentBaseName(POISON)]);

    const usage = await runCli(['queue', 'rejected', 'retry', '--data-dir', dataDir]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: verdict queue rejected retry <id...> | --all');
    const retried = await runCli(['queue', 'rejected', 'retry', segmentBaseName(GOOD), '--data-dir', dataDir]);
    expect(retried.stdout).toContain('queued again (inserted when a collector next starts on this folder): 1 segment(s)');
    const table = await runCli(['queue', 'rejected', 'list', '--data-dir', dataDir]);
    expect(table.stdout).toMatch(/^id\s+spans\s+records\s+damaged_records\s+size_bytes\s+set_aside_at\n/);
    expect(table.stdout).toMatch(new RegExp(`${segmentBaseName(POISON)} +2 `));
    expect((await runCli(['queue', 'rejected', 'discard', segmentBaseName(POISON), '--data-dir', dataDir])).code).toBe(0);
    expect(await listed(dataDir)).toEqual([]);

    const second = await startCollectorProcess({ dataDir, args: ['--log-level', 'silent'] });
    try {
      await second.flush();
      expect(await count(second, 'retried-offline')).toBe(5);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 60_000);

  // An address of this machine other than loopback, to call the API as another machine would.
  const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

  it.skipIf(!external)('refuses retry and discard to a caller that is not on the collector\'s machine; listing is a read', async () => {
    const dataDir = dataDirWithSetAside('remote');
    const c = await startCollectorProcess({ dataDir, args: ['--log-level', 'silent', '--host', '0.0.0.0', '--insecure'] });
    try {
      const remote = `http://${external}:${new URL(c.apiUrl).port}`;
      expect((await fetch(`${remote}/api/queue/rejected`)).status).toBe(200);
      for (const verb of ['retry', 'discard']) {
        const res = await fetch(`${remote}/api/queue/rejected/${verb}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"all": true}' });
        expect(res.status).toBe(403);
        expect(((await res.json()) as { error: string }).error).toContain(`${verb} changes what the collector holds: ask from the collector's own machine`);
      }
      expect(await listed(dataDir)).toHaveLength(2);
    } finally {
      expect(await c.stop()).toBe(0);
    }
  }, 60_000);
});
