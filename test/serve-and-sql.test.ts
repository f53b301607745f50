// `verdict serve` as a process: data survives a restart, one collector owns a data directory, and
// `verdict sql` reaches the data through the running collector or, with none running, directly.
import { describe, expect, it } from 'vitest';
import { startCollectorProcess } from './helpers/collector-process.js';
import { otlpJsonRequest } from './helpers/otlp-json.js';
import { runCli } from './helpers/run-cli.js';

const doc = (name: string, n: number) =>
  otlpJsonRequest({ service: 'restart-svc', resource: { 'service.version': '2.0.0' }, name, count: n, durationNs: 250_000_000n });

async function send(url: string, body: string): Promise<number> {
  const res = await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text}`);
  return res.status;
}

describe('verdict serve', () => {
  it('keeps spans across a restart and answers verdict sql through the API or from the folder', async () => {
    const first = await startCollectorProcess();
    const dataDir = first.dataDir;
    try {
      expect(await send(first.otlpHttpUrl, doc('before-restart', 25))).toBe(200);
      await first.flush();

      // Through the running collector (found from the data directory it owns).
      const table = await runCli(['sql', '--data-dir', dataDir, 'SELECT AppVersion, SpanName, count() AS n FROM otel_traces GROUP BY 1, 2']);
      expect(table.stderr).toBe('');
      expect(table.code).toBe(0);
      expect(table.stdout.split('\n').slice(0, 3)).toEqual([
        'AppVersion  SpanName         n',
        '----------  --------------  --',
        '2.0.0       before-restart  25',
      ]);
      const json = await runCli(['sql', '--json', '--api', first.apiUrl, 'SELECT SpanName AS name, Duration FROM otel_traces LIMIT 2']);
      expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
        { name: 'before-restart', Duration: 250000000 },
        { name: 'before-restart', Duration: 250000000 },
      ]);

      // A second collector may not open the same folder.
      const second = await runCli(['serve', '--data-dir', dataDir, '--otlp-http-port', '0', '--api-port', '0']);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`data directory ${dataDir} is in use by a running collector`);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const again = await startCollectorProcess({ dataDir });
    try {
      expect(await again.sql("SELECT count() AS n FROM otel_traces WHERE SpanName = 'before-restart'")).toEqual([{ n: 25 }]);
      // Not flushed: a clean stop inserts what is queued before it exits.
      expect(await send(again.otlpHttpUrl, doc('after-restart', 5))).toBe(200);
    } finally {
      expect(await again.stop()).toBe(0);
    }

    // No collector running: the CLI opens the data directory itself.
    const local = await runCli(['sql', '--json', '--data-dir', dataDir, 'SELECT SpanName, count() AS n FROM otel_traces GROUP BY 1 ORDER BY 1']);
    expect(local.stderr).toBe('');
    expect(local.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { SpanName: 'after-restart', n: 5 },
      { SpanName: 'before-restart', n: 25 },
    ]);
  });

  it('verdict sql is read-only, enforced by the engine', async () => {
    const c = await startCollectorProcess();
    try {
      for (const query of [
        "INSERT INTO otel_traces (SpanName) VALUES ('x')",
        'DROP TABLE otel_traces',
        "SELECT * FROM file('/etc/passwd', 'LineAsString')",
        'SELECT 1 SETTINGS readonly = 0',
      ]) {
        const r = await runCli(['sql', '--api', c.apiUrl, query]);
        expect(r.code, query).toBe(2);
        expect(r.stderr, query).toMatch(/readonly/i);
      }
      expect(await c.sql('SELECT count() AS n FROM otel_traces')).toEqual([{ n: 0 }]);
      // Read-only SQL must not leave the writer read-only (the embedded engine keeps session settings).
      expect(await send(c.otlpHttpUrl, doc('after-readonly', 3))).toBe(200);
      await c.flush();
      expect(await c.sql("SELECT count() AS n FROM otel_traces WHERE SpanName = 'after-readonly'")).toEqual([{ n: 3 }]);
      const empty = await runCli(['sql', '--api', c.apiUrl, '   ']);
      expect(empty.code).toBe(2);
    } finally {
      await c.stop();
    }
  });

  it('bad flags and settings are named in the error', async () => {
    const unknown = await runCli(['serve', '--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--no-such-flag'");
    const badPort = await runCli(['serve', '--otlp-http-port', '99999']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--otlp-http-port must be a port number');
    const badEnv = await runCli(['serve'], { VERDICT_API_PORT: 'abc' });
    expect(badEnv.stderr).toContain('VERDICT_API_PORT must be a non-negative integer, got "abc"');
  });
});
