// The registry from the CLI with no collector running: writes claim the data directory and append,
// reads open it read-only; --allow-several keeps two production versions; the archiving policy
// archives what is far enough behind production, never the golden version, audited as itself.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.js';
import { startTestCollector } from './helpers/in-process-collector.js';
import { MINUTE, seed, T0 } from './helpers/seed-spans.js';

let dataDir: string;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main([...args, '--data-dir', dataDir]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

beforeAll(async () => {
  const c = await startTestCollector();
  dataDir = c.config.dataDir;
  const base = { service: 'svc', environment: 'production', errors: 0, latencyMs: 50, spacingMs: 1000, requests: 60 };
  for (const [i, version] of ['1', '2', '3', '4', '5'].entries()) await seed(c.store.client, { ...base, version, startMs: T0 + i * 10 * MINUTE });
  await c.close();
});

describe('the registry without a collector', () => {
  it('writes to the data directory and reads it back', async () => {
    process.env.VERDICT_ACTOR = 'local-user';
    expect((await cli('version', 'golden', 'svc', '1')).code).toBe(0);
    expect((await cli('version', 'promote', 'svc', '4', '--to', 'production')).code).toBe(0);
    expect((await cli('version', 'promote', 'svc', '5', '--to', 'production', '--allow-several')).code).toBe(0);
    const list = await cli('version', 'list', '--service', 'svc', '--json');
    const stages = Object.fromEntries(list.out.trim().split('\n').map((l) => JSON.parse(l) as { version: string; stage: string }).map((r) => [r.version, r.stage]));
    expect(stages).toEqual({ 1: 'none', 2: 'none', 3: 'none', 4: 'production', 5: 'production' });
  });

  it('the policy archives versions 2 or more iterations behind production, never the golden one', async () => {
    const r = await cli('version', 'policy', '--service', 'svc', '--archive-behind', '2', '--json');
    expect(r.code).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as { version: string; to: string; actor: string; reason: string });
    expect(events.map((e) => [e.version, e.to, e.actor])).toEqual([['2', 'archived', 'policy:archive-behind-2'], ['3', 'archived', 'policy:archive-behind-2']]);
    expect(events[0].reason).toMatch(/3 iterations behind production 5/);
    const history = await cli('version', 'history', 'svc', '2', '--no-color');
    expect(history.out).toMatch(/none → archived: policy: 3 iterations behind production 5 .* \(policy:archive-behind-2\)/);
  });
});
