// The version registry end to end on one collector: automatic records from spans, the CLI's writes
// through the API (register, promote with the one-production rule, golden, archive refused for the
// golden version and without a reason, notes), the audit trail as JSON lines, history beside the
// traffic (a withdrawn canary shows as a rollback), drift, diff, and compare's default baseline.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main.js';
import type { RunningCollector } from '../service/start.js';
import { startTestCollector } from './helpers/in-process-collector.js';
import { MINUTE, seed, T0 } from './helpers/seed-spans.js';

let c: RunningCollector;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main([...args, '--api', c.apiUrl]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const api = async (path: string) => (await fetch(`${c.apiUrl}${path}`)).json() as Promise<Record<string, unknown>>;

beforeAll(async () => {
  c = await startTestCollector();
  const base = { service: 'chat', environment: 'production', errors: 0, latencyMs: 100, spacingMs: 600 };
  // 1.1.0 for 30 min, then 1.2.0; a 1.3.0 canary at ~10 % for minutes 40–50, then withdrawn.
  await seed(c.store.client, { ...base, version: '1.1.0', commit: 'aaaa111', requests: 3000, startMs: T0 - 0 });
  await seed(c.store.client, { ...base, version: '1.2.0', commit: 'bbbb222', requests: 6000, startMs: T0 + 30 * MINUTE, attributes: { 'vcs.ref.head.name': 'release/1.2' } });
  await seed(c.store.client, { ...base, version: '1.3.0', commit: 'cccc333', requests: 100, spacingMs: 6000, startMs: T0 + 40 * MINUTE });
});
afterAll(async () => c?.close());

describe('version registry', () => {
  it('every version seen in spans has a record before anyone registers it', async () => {
    const { versions } = (await api('/api/registry/versions?service=chat')) as { versions: Array<{ version: string; registered: boolean; commit: string; environments: string[] }> };
    expect(versions.map((v) => [v.version, v.registered, v.commit, v.environments])).toEqual([
      ['1.1.0', false, 'aaaa111', ['production']],
      ['1.2.0', false, 'bbbb222', ['production']],
      ['1.3.0', false, 'cccc333', ['production']],
    ]);
  });

  it('registers, promotes (one production version per environment), marks golden and refuses to archive it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-reg-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ retriever: { k: 4 }, temperature: 0.2 }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ retriever: { k: 8 }, temperature: 0.2 }));
    process.env.VERDICT_ACTOR = 'ci-bot';
    expect((await cli('version', 'register', '--service', 'chat', '--version', '1.1.0', '--param', 'model=gpt-4o', '--prompt', 'system@3', '--config', join(dir, 'a.json'))).code).toBe(0);
    expect((await cli('version', 'register', '--service', 'chat', '--version', '1.2.0', '--commit', 'bbbb222', '--param', 'model=gpt-4.1', '--prompt', 'system@4', '--config', join(dir, 'b.json'), '--note', 'bigger k')).code).toBe(0);
    expect((await cli('version', 'promote', 'chat', '1.1.0', '--to', 'production')).code).toBe(0);
    const promoted = await cli('version', 'promote', 'chat', '1.2.0', '--to', 'production', '--json');
    // The old production version steps down in the same change, and both events say who.
    const events = promoted.out.trim().split('\n').map((l) => JSON.parse(l) as { version: string; from: string; to: string; actor: string });
    expect(events.map((e) => [e.version, e.from, e.to, e.actor])).toEqual([['1.1.0', 'production', 'none', 'ci-bot'], ['1.2.0', 'none', 'production', 'ci-bot']]);
    expect((await cli('version', 'golden', 'chat', '1.1.0')).code).toBe(0);
    const refused = await cli('version', 'archive', 'chat', '1.1.0', '--reason', 'old');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/golden version and cannot be archived/);
    const noReason = await fetch(`${c.apiUrl}/api/registry/changes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'archive', service: 'chat', version: '1.3.0', reason: ' ' }) });
    expect(noReason.status).toBe(400);
    expect((await cli('version', 'note', 'chat', '1.2.0', 'p95', 'looks', 'fine')).code).toBe(0);
    const show = await api('/api/registry/versions/chat/1.2.0');
    expect(show).toMatchObject({ branch: 'release/1.2', stage: 'production', productionEnvironments: ['production'], params: { model: 'gpt-4.1' }, prompts: { system: '4' } });
    expect((show.notes as Array<{ text: string }>).map((n) => n.text)).toEqual(['bigger k', 'p95 looks fine']);
  });

  it('diffs two versions: commits, parameters, prompts and configuration', async () => {
    const { out } = await cli('version', 'diff', 'chat', '1.1.0', '1.2.0', '--json');
    const d = JSON.parse(out) as Record<string, unknown>;
    expect(d.commits).toEqual({ from: 'aaaa111', to: 'bbbb222' });
    expect(d.params).toEqual([{ key: 'model', from: 'gpt-4o', to: 'gpt-4.1' }]);
    expect(d.prompts).toEqual([{ key: 'system', from: '3', to: '4' }]);
    expect(d.config).toEqual([{ path: 'retriever.k', from: '4', to: '8' }]);
  });

  it('history shows the audit trail beside the traffic: the withdrawn canary is a rollback', async () => {
    const h = (await api('/api/registry/versions/chat/1.3.0/history')) as { history: Array<{ source: string; kind: string; text: string }> };
    expect(h.history.map((e) => [e.source, e.kind])).toEqual([['traffic', 'first_seen'], ['traffic', 'rollback']]);
    expect(h.history[1].text).toMatch(/traffic went back to 1\.2\.0/);
    const old = (await api('/api/registry/versions/chat/1.1.0/history')) as { history: Array<{ source: string; kind: string }> };
    expect(old.history.filter((e) => e.source === 'registry').map((e) => e.kind)).toEqual(['registered', 'stage', 'stage', 'golden']);
    expect(old.history.some((e) => e.kind === 'replaced')).toBe(true);
  });

  it('the OpenAPI document describes the registry and alert routes from their declarations', async () => {
    const doc = (await api('/api/openapi.json')) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/registry/compare', '/api/registry/versions/{service}/{version}/history', '/api/registry/changes', '/api/alerts', '/api/alerts/check']));
    expect(Object.keys(doc.paths['/api/registry/changes'])).toEqual(['post']);
  });

  it('exports the events as JSON lines, and no route edits or deletes one', async () => {
    const res = await fetch(`${c.apiUrl}/api/registry/events?service=chat&format=jsonl`);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(lines.length).toBe(7);
    for (const method of ['PUT', 'PATCH', 'DELETE']) expect((await fetch(`${c.apiUrl}/api/registry/events`, { method })).status).toBe(404);
  });

  it('flags drift: an archived version serving production', async () => {
    const { versions } = (await api('/api/registry/versions?service=chat')) as { versions: Array<{ version: string; drift: Array<{ kind: string }> }> };
    // 1.2.0 serves production and is its production version: no drift there.
    expect(versions.find((v) => v.version === '1.2.0')!.drift).toEqual([]);
    expect((await cli('version', 'archive', 'chat', '1.2.0', '--reason', 'rolled back by hand')).code).toBe(0);
    const after = (await api('/api/registry/versions?service=chat')) as { versions: Array<{ version: string; drift: Array<{ kind: string }> }> };
    expect(after.versions.find((v) => v.version === '1.2.0')!.drift.map((d) => d.kind)).toEqual(['archived_in_production']);
    // `verdict versions` says so under its table.
    expect((await cli('versions', '--service', 'chat', '--no-color')).out).toMatch(/\ndrift: chat 1\.2\.0: 1\.2\.0 is archived but serves production/);
  });

  it('compare without a baseline uses the golden version and says so, with what changed', async () => {
    const r = (await api('/api/registry/compare?service=chat&env=production&candidate=1.2.0')) as {
      baselineChoice: { version: string; rule: string };
      changes: { params: unknown[] };
      comparison: { baseline: { version: string } };
    };
    expect(r.baselineChoice).toMatchObject({ version: '1.1.0', rule: 'golden' });
    expect(r.comparison.baseline.version).toBe('1.1.0');
    expect(r.changes.params).toHaveLength(1);
    const shown = await cli('compare', '--service', 'chat', '--env', 'production', '--candidate', '1.2.0', '--no-color');
    expect(shown.out).toMatch(/^baseline: 1\.1\.0 \(1\.1\.0 is the golden version of chat\)/);
    expect(shown.out).toMatch(/what changed \(1\.1\.0 → 1\.2\.0\):\n {2}commit: aaaa111 → bbbb222\n {2}param model: gpt-4o → gpt-4\.1/);
  });
});

describe('registry writes at the same moment', () => {
  it('are applied one at a time: five promotions to production at once leave one version in production', async () => {
    const promote = (version: string) =>
      fetch(`${c.apiUrl}/api/registry/changes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'promote', service: 'race', version, to: 'production' }),
      }).then((r) => r.status);
    expect(await Promise.all(['1', '2', '3', '4', '5'].map((n) => promote(`${n}.0.0`)))).toEqual([200, 200, 200, 200, 200]);
    const { events } = (await api('/api/registry/events?service=race')) as { events: Array<{ version: string; kind: string; from: string; to: string }> };
    const production = new Set<string>();
    for (const e of events.filter((x) => x.kind === 'stage')) {
      if (e.to === 'production') production.add(e.version);
      else if (e.from === 'production') production.delete(e.version);
    }
    expect(production.size).toBe(1);
    // Each promotion after the first demoted the one before it: four demotions, audited.
    expect(events.filter((e) => e.kind === 'stage' && e.from === 'production')).toHaveLength(4);
  });
});
