// API keys change without a restart: when the keys file changes (replaced by an editor, or the
// symlink swap of a Kubernetes secret mount) and on SIGHUP, the collector reads them again; the
// new keys decide the next request, a request already admitted finishes with the old one, and a
// keys file that cannot be used is refused in the log while the keys in force stay.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCollectorProcess, type CollectorProcess } from './helpers/collector-process.js';
import { otlpJsonRequest } from './helpers/otlp-json.js';

const key = (label: string) => `${label}-${randomBytes(24).toString('base64url')}`;

async function post(c: CollectorProcess, ingestKey: string): Promise<number> {
  const res = await fetch(`${c.otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-verdict-api-key': ingestKey },
    body: otlpJsonRequest({ service: 'keys-reload', count: 1 }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Waits (bounded) until the collector has logged `text` `times` times. */
async function logged(c: CollectorProcess, text: string, times = 1): Promise<void> {
  const count = () => c.output().split(text).length - 1;
  for (let i = 0; i < 500 && count() < times; i++) await new Promise((r) => setTimeout(r, 20));
  expect(count(), `"${text}" logged`).toBeGreaterThanOrEqual(times);
}

/** Replaced whole, as editors and secret mounts do. */
function replaceFile(path: string, content: string): void {
  writeFileSync(`${path}.new`, content);
  renameSync(`${path}.new`, path);
}

describe('reloading API keys', () => {
  it('takes a changed keys file and SIGHUP without a restart, lets admitted requests finish, and keeps the keys when the file is bad', async () => {
    const [oldKey, newKey, read] = [key('ingest'), key('ingest'), key('read')];
    // Laid out as a Kubernetes secret mount: keys.json -> ..data/keys.json, ..data -> ..v1.
    const dir = mkdtempSync(join(tmpdir(), 'verdict-keys-'));
    const file = join(dir, 'keys.json');
    const version = (name: string, keys: object) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'keys.json'), JSON.stringify(keys));
    };
    version('..v1', { ingest: [oldKey], read: [read] });
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync(join('..data', 'keys.json'), file);
    const c = await startCollectorProcess({ args: ['--keys-file', file, '--log-level', 'info'], apiKey: read });
    try {
      expect(await post(c, oldKey)).toBe(200);
      expect(await post(c, newKey)).toBe(401);

      // A request admitted with the old key, its body still on the way.
      const body = otlpJsonRequest({ service: 'keys-reload', count: 1 });
      const socket = net.connect(Number(new URL(c.otlpHttpUrl).port), '127.0.0.1');
      let answer = '';
      socket.on('data', (d) => (answer += d));
      socket.write(`POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-verdict-api-key: ${oldKey}\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`);
      for (let i = 0; i < 400 && !answer.includes('100 Continue'); i++) await new Promise((r) => setTimeout(r, 10));
      expect(answer).toContain('100 Continue');

      // The secret is updated the way the kubelet does it: a new version, the ..data link swapped.
      version('..v2', { ingest: [newKey], read: [read] });
      symlinkSync('..v2', join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      await logged(c, 'API keys reloaded (the keys file changed)');
      expect(await post(c, oldKey)).toBe(401);
      expect(await post(c, newKey)).toBe(200);
      socket.write(body);
      for (let i = 0; i < 400 && !/\r\n\r\nHTTP\/1\.1 \d{3}/.test(answer); i++) await new Promise((r) => setTimeout(r, 10));
      socket.destroy();
      expect(answer).toMatch(/\r\n\r\nHTTP\/1\.1 200 OK\r\n/);

      // Replaced by an editor from now on. Unusable files are refused, naming why (never a key),
      // and the keys in force stay.
      replaceFile(file, '{"ingest": [');
      await logged(c, 'API keys not reloaded (the keys file changed); the keys in force stay');
      replaceFile(file, JSON.stringify({ ingest: ['short'], read: [read] }));
      await logged(c, 'API keys not reloaded (the keys file changed); the keys in force stay', 2);
      expect(await post(c, newKey)).toBe(200);

      // SIGHUP reads the keys again too.
      replaceFile(file, JSON.stringify({ ingest: [oldKey, newKey], read: [read] }));
      await logged(c, 'API keys reloaded (the keys file changed)', 2);
      c.child.kill('SIGHUP');
      await logged(c, 'API keys reloaded (SIGHUP)');
      expect(c.output()).toMatch(/"ingest":2,"read":1,"msg":"API keys reloaded \(SIGHUP\)"/);
      expect(await post(c, oldKey)).toBe(200);
      await c.flush();
      expect(await c.sql("SELECT count() AS n FROM otel_traces WHERE ServiceName = 'keys-reload'")).toEqual([{ n: 5 }]);
    } finally {
      expect(await c.stop()).toBe(0);
    }
    expect(c.output()).toMatch(/"err":"cannot read the keys file [^"]*: not valid JSON"/);
    expect(c.output()).toMatch(/"err":"an API key has 5 characters; keys need at least 16"/);
    for (const k of [oldKey, newKey, read]) expect(c.output()).not.toContain(k);
  }, 60_000);
});
