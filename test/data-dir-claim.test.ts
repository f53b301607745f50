// One collector per data directory: the claim is taken before anything opens, atomically, so two
// collectors started together cannot both win; a claim left by a dead process is taken over.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimDataDir, DataDirBusyError, readCollectorLock } from '../store/data-dir-claim.js';
import { newDataDir, startCollectorProcess } from './helpers/collector-process.js';

describe('data directory claim', () => {
  it('refuses while a live process owns the folder, takes over from a dead one, and releases', () => {
    const dir = newDataDir();
    const claims = () => readdirSync(dir).filter((f) => f.startsWith('claim-')).sort();
    const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;

    // A claim as versions before numbered claims left it: honoured while its process lives.
    const legacy = join(dir, 'collector.json');
    writeFileSync(legacy, JSON.stringify({ pid: process.ppid, apiUrl: 'http://127.0.0.1:1', otlpHttpUrl: '' }));
    expect(() => claimDataDir(dir)).toThrow(DataDirBusyError);
    expect(readCollectorLock(dir)).toEqual({ pid: process.ppid, apiUrl: 'http://127.0.0.1:1', otlpHttpUrl: '' });
    writeFileSync(legacy, JSON.stringify({ pid: dead, apiUrl: 'http://127.0.0.1:1', otlpHttpUrl: '' }));
    expect(readCollectorLock(dir)).toBeUndefined();

    const first = claimDataDir(dir);
    expect(existsSync(legacy)).toBe(false);
    expect(claims()).toEqual(['claim-000000000001.json']);
    first.publish({ apiUrl: 'http://127.0.0.1:2', otlpHttpUrl: 'http://127.0.0.1:3' });
    expect(read('claim-000000000001.json')).toEqual({ pid: process.pid, apiUrl: 'http://127.0.0.1:2', otlpHttpUrl: 'http://127.0.0.1:3' });
    // Released: still the highest number (never removed while it is), but it claims nothing.
    first.release();
    expect(read('claim-000000000001.json')).toMatchObject({ pid: process.pid, released: true });

    // Another live process's claim refuses; a dead one's is taken over with the next number.
    writeFileSync(join(dir, 'claim-000000000002.json'), JSON.stringify({ pid: process.ppid, apiUrl: 'http://127.0.0.1:4', otlpHttpUrl: '' }));
    expect(() => claimDataDir(dir)).toThrow(/in use by a running collector \(pid \d+, API http:\/\/127\.0\.0\.1:4\)/);
    writeFileSync(join(dir, 'claim-000000000002.json'), JSON.stringify({ pid: dead, apiUrl: 'http://127.0.0.1:4', otlpHttpUrl: '' }));
    const second = claimDataDir(dir);
    expect(claims()).toEqual(['claim-000000000003.json']);
    second.release();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
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
