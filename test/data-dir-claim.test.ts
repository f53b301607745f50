// One collector per data directory: the claim is taken before anything opens, atomically, so two
// collectors started together cannot both win; a claim left by a dead process is taken over.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimDataDir, DataDirBusyError } from '../store/data-dir-claim.js';
import { newDataDir, startCollectorProcess } from './helpers/collector-process.js';

describe('data directory claim', () => {
  it('refuses while a live process owns the folder, takes over from a dead one, and releases', () => {
    const dir = newDataDir();
    const lock = join(dir, 'collector.json');
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, apiUrl: 'http://127.0.0.1:1', otlpHttpUrl: '' }));
    expect(() => claimDataDir(dir)).toThrow(DataDirBusyError);

    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(lock, JSON.stringify({ pid: dead, apiUrl: 'http://127.0.0.1:1', otlpHttpUrl: '' }));
    const claim = claimDataDir(dir);
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
    claim.publish({ apiUrl: 'http://127.0.0.1:2', otlpHttpUrl: 'http://127.0.0.1:3' });
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toEqual({ pid: process.pid, apiUrl: 'http://127.0.0.1:2', otlpHttpUrl: 'http://127.0.0.1:3' });
    claim.release();
    expect(() => readFileSync(lock)).toThrow();
  });

  it('of two collectors started together on one folder, exactly one runs', async () => {
    const dir = newDataDir();
    const outcomes = await Promise.allSettled([startCollectorProcess({ dataDir: dir }), startCollectorProcess({ dataDir: dir })]);
    const running = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
    // Stopped before asserting, so a failure leaves no collector behind.
    const exits = await Promise.all(running.map((c) => c.stop()));
    expect(running).toHaveLength(1);
    expect(exits).toEqual([0]);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/exited with 2[\s\S]*is in use by a running collector/);
  });
});
