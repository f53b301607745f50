// `verdict serve` and `verdict sql` with API keys, as a user runs them: keys from
// VERDICT_INGEST_KEYS / VERDICT_READ_KEYS, the CLI's --api-key and VERDICT_API_KEY, keys never in
// the logs (trace level), and the bind rule: no keys means loopback only unless --insecure.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newDataDir, startCollectorProcess } from './helpers/collector-process.js';
import { runCli } from './helpers/run-cli.js';
import { otlpJsonRequest } from './helpers/otlp-json.js';

const key = (label: string) => `${label}-${randomBytes(24).toString('base64url')}`;

function doc(n: number): string {
  return otlpJsonRequest({ service: 'keys-process', name: 'keyed', count: n });
}

async function post(url: string, headers: Record<string, string>, n = 1): Promise<number> {
  const res = await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: doc(n) });
  await res.arrayBuffer();
  return res.status;
}

describe('verdict serve and verdict sql with API keys', () => {
  it('takes keys from the environment, sends the read key from --api-key or VERDICT_API_KEY, and never logs a key', async () => {
    const ingest = [key('ingest'), key('ingest')];
    const read = key('read');
    const wrong = key('wrong');
    const c = await startCollectorProcess({
      env: { VERDICT_INGEST_KEYS: ` ${ingest[0]}, ${ingest[1]} ,`, VERDICT_READ_KEYS: read },
      args: ['--log-level', 'trace'],
      apiKey: read,
    });
    try {
      expect(c.output()).toContain('access     API keys required (2 ingest, 1 read)');
      expect(await post(c.otlpHttpUrl, {})).toBe(401);
      expect(await post(c.otlpHttpUrl, { authorization: `Bearer ${wrong}` })).toBe(401);
      expect(await post(c.otlpHttpUrl, { 'x-verdict-api-key': read })).toBe(403);
      expect(await post(c.otlpHttpUrl, { authorization: `Bearer ${ingest[0]}` }, 2)).toBe(200);
      expect(await post(c.otlpHttpUrl, { 'x-verdict-api-key': ingest[1] }, 3)).toBe(200);
      await c.flush();
      expect(await c.sql("SELECT count() AS n FROM otel_traces WHERE ServiceName = 'keys-process'")).toEqual([{ n: 5 }]);

      const query = "SELECT count() AS n FROM otel_traces WHERE ServiceName = 'keys-process'";
      const noKey = await runCli(['sql', '--api', c.apiUrl, query], { VERDICT_API_KEY: '' });
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toMatch(/missing API key.*--api-key or VERDICT_API_KEY/);
      const ingestKey = await runCli(['sql', '--api', c.apiUrl, '--api-key', ingest[0], query]);
      expect(ingestKey.code).toBe(2);
      expect(ingestKey.stderr).toMatch(/ingest key cannot read/);
      const flag = await runCli(['sql', '--json', '--api', c.apiUrl, '--api-key', read, query]);
      expect(flag.stdout.trim()).toBe('{"n":5}');
      // The question commands go through the same client.
      expect((await runCli(['versions', '--api', c.apiUrl], { VERDICT_API_KEY: '' })).code).toBe(2);
      const versions = await runCli(['versions', '--json', '--api', c.apiUrl], { VERDICT_API_KEY: read });
      expect(versions.stderr).toBe('');
      expect(versions.code).toBe(0);
      // Found through the data directory the collector owns, key from the environment.
      const env = await runCli(['sql', '--json', '--data-dir', c.dataDir, query], { VERDICT_API_KEY: read });
      expect(env.stderr).toBe('');
      expect(env.stdout.trim()).toBe('{"n":5}');
    } finally {
      expect(await c.stop()).toBe(0);
    }
    const log = c.output();
    expect(log).toMatch(/incoming request/); // trace level really logged requests
    for (const k of [...ingest, read, wrong]) expect(log).not.toContain(k);
  });

  it('refuses to listen beyond loopback without keys unless --insecure', async () => {
    const refused = await runCli(['serve', '--data-dir', newDataDir(), '--host', '0.0.0.0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--api-port', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without API keys/);
    expect(refused.stderr).toMatch(/VERDICT_INGEST_KEYS.*--insecure/);
    const envHost = await runCli(['serve', '--data-dir', newDataDir(), '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--api-port', '0'], { VERDICT_HOST: '::' });
    expect(envHost.code).toBe(2);
    expect(envHost.stderr).toMatch(/refusing to listen on ::/);

    const insecure = await startCollectorProcess({ args: ['--host', '0.0.0.0', '--insecure'] });
    try {
      expect(insecure.output()).toContain('access     open: no API keys, --insecure on 0.0.0.0');
      expect(await post(insecure.otlpHttpUrl, {})).toBe(200);
    } finally {
      expect(await insecure.stop()).toBe(0);
    }
  });

  it('with keys on a non-loopback address, metrics and readiness need a read key too; /healthz never does', async () => {
    const read = key('read');
    const c = await startCollectorProcess({ env: { VERDICT_INGEST_KEYS: key('ingest'), VERDICT_READ_KEYS: read }, args: ['--host', '0.0.0.0'], apiKey: read });
    try {
      const get = (path: string, headers: Record<string, string> = {}) => fetch(`${c.apiUrl}${path}`, { headers }).then(async (r) => ({ status: r.status, text: await r.text() }));
      expect((await get('/healthz')).status).toBe(200);
      expect((await get('/metrics')).status).toBe(401);
      expect((await get('/readyz')).status).toBe(401);
      const metrics = await get('/metrics', { authorization: `Bearer ${read}` });
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/^verdict_http_responses_total\{server="api",code="401"\} 2$/m);
      expect((await get('/readyz', { 'x-verdict-api-key': read })).status).toBe(200);
    } finally {
      expect(await c.stop()).toBe(0);
    }
  });

  it('refuses weak keys and unreadable keys files at start, naming neither key nor content', async () => {
    const weak = 'tooshort';
    const short = await runCli(['serve', '--data-dir', newDataDir(), '--api-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0'], { VERDICT_READ_KEYS: weak });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/keys need at least 16/);
    expect(short.stderr).not.toContain(weak);
    const dir = mkdtempSync(join(tmpdir(), 'verdict-keys-'));
    const file = join(dir, 'keys.json');
    writeFileSync(file, `{"read": ["${key('read')}"`);
    const broken = await runCli(['serve', '--data-dir', newDataDir(), '--keys-file', file, '--api-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`cannot read the keys file ${file}: not valid JSON`);
    const notBoolean = await runCli(['serve', '--data-dir', newDataDir()], { VERDICT_INSECURE: 'maybe' });
    expect(notBoolean.code).toBe(2);
    expect(notBoolean.stderr).toContain('VERDICT_INSECURE must be true or false, got "maybe"');
  });
});
