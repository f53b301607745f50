// With API keys, a registry write needs an ingest key (a read key is refused with 403) and records
// who wrote it as the key's name from the keys file, else its fingerprint, never the key; reading
// the registry needs a read key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from '../service/start.js';
import { loadConfig } from '../store/config.js';
import { newDataDir } from './helpers/collector-process.js';

const INGEST = 'ingest-key-0123456789abcdef';
const READ = 'read-key-0123456789abcdef';
const NAMED = 'named-ingest-key-0123456789';
let c: RunningCollector;

beforeAll(async () => {
  const keysFile = join(mkdtempSync(join(tmpdir(), 'verdict-keys-')), 'keys.json');
  writeFileSync(keysFile, JSON.stringify({ ingest: [{ key: NAMED, name: 'release-pipeline' }] }));
  c = await startCollector(loadConfig({ VERDICT_INGEST_KEYS: INGEST, VERDICT_READ_KEYS: READ }, { 'keys-file': keysFile, 'data-dir': newDataDir(), 'otlp-http-port': '0', 'otlp-grpc-port': '0', 'api-port': '0', 'clickhouse-http-port': '0' }));
});
afterAll(async () => c?.close());

const change = (key: string) =>
  fetch(`${c.apiUrl}/api/registry/changes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-verdict-actor': 'release-bot' },
    body: JSON.stringify({ action: 'register', service: 'chat', version: '2.0.0', commit: 'abc' }),
  });

describe('registry writes and keys', () => {
  it('a read key cannot write; an ingest key can, and is recorded by fingerprint', async () => {
    expect((await change(READ)).status).toBe(403);
    const ok = await change(INGEST);
    expect(ok.status).toBe(200);
    const { events } = (await ok.json()) as { events: Array<{ actor: string }> };
    const fingerprint = createHash('sha256').update(INGEST).digest('hex').slice(0, 12);
    expect(events[0].actor).toBe(`key:${fingerprint} (release-bot)`);
    expect(JSON.stringify(events)).not.toContain(INGEST);
    const named = (await (await change(NAMED)).json()) as { events: Array<{ actor: string }> };
    expect(named.events[0].actor).toBe('release-pipeline (release-bot)');
  });

  it('reading the registry needs a read key', async () => {
    expect((await fetch(`${c.apiUrl}/api/registry/events`, { headers: { authorization: `Bearer ${INGEST}` } })).status).toBe(403);
    const res = await fetch(`${c.apiUrl}/api/registry/events`, { headers: { authorization: `Bearer ${READ}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { events: unknown[] }).events).toHaveLength(2);
  });
});
