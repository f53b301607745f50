// Runs `verdict serve` as a child process on free ports with its own temporary data directory,
// for tests that need a real collector (or a restart, or a crash). Readiness is the collector's own
// "ready" output, never a sleep.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../schema/sql-files.js';

export interface CollectorProcess {
  otlpHttpUrl: string;
  otlpGrpcUrl?: string;
  apiUrl: string;
  /** The ClickHouse HTTP interface (embedded store only). */
  clickhouseHttpUrl?: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  sql(query: string): Promise<Record<string, unknown>[]>;
  /** Makes every acknowledged span queryable (POST /api/flush). */
  flush(): Promise<void>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export interface CollectorProcessOptions {
  env?: Record<string, string>;
  args?: string[];
  /** Reuse a data directory (e.g. to restart on the same data). */
  dataDir?: string;
  /** A read key sql() and flush() send, for a collector started with API keys. */
  apiKey?: string;
  /** Another `verdict` launcher to run, e.g. one installed from the packed tarball (default: this checkout's). */
  bin?: string;
}

// Found from the package root so this works from the TypeScript sources and from dist/ alike.
const BIN = join(PACKAGE_ROOT, 'bin', 'verdict.js');

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'verdict-test-'));
}

export async function startCollectorProcess(opts: CollectorProcessOptions = {}): Promise<CollectorProcess> {
  const dataDir = opts.dataDir ?? newDataDir();
  const child = spawn(
    process.execPath,
    [opts.bin ?? BIN, 'serve', '--data-dir', dataDir, '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--api-port', '0', '--clickhouse-http-port', '0', ...(opts.args ?? [])],
    { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (/^Point an OpenTelemetry SDK/m.test(out)) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`collector exited with ${code} before it was ready:\n${out}`)));
  });

  const match = (label: string) => new RegExp(`^\\s+${label}\\s+(\\S+)`, 'm').exec(out)?.[1];
  const otlpHttpUrl = match('OTLP/HTTP')!.replace(/\/v1\/traces$/, '');
  const apiUrl = match('API')!;
  const grpc = match('OTLP/gRPC');
  const clickhouseHttpUrl = match('ClickHouse');
  const auth: Record<string, string> = opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {};

  return {
    otlpHttpUrl,
    // The banner shows host:port; OTLP gRPC exporters take it as an http:// URL.
    otlpGrpcUrl: grpc && !grpc.includes('://') ? `http://${grpc}` : grpc,
    apiUrl,
    clickhouseHttpUrl,
    dataDir,
    child,
    output: () => out,
    async sql(query) {
      const res = await fetch(`${apiUrl}/api/sql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ query }),
      });
      const body = (await res.json()) as { rows?: Record<string, unknown>[]; error?: string };
      if (!res.ok) throw new Error(`SQL failed (${res.status}): ${body.error}`);
      return body.rows!;
    },
    async flush() {
      const res = await fetch(`${apiUrl}/api/flush`, { method: 'POST', headers: auth });
      if (!res.ok) throw new Error(`flush failed (${res.status}): ${await res.text()}`);
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
