// Starts test/helpers/clickhouse-http-double as a child process (its own engine and data folder),
// so a test can take the "ClickHouse server" down and bring it back on the same port and data.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../schema/sql-files.js';
import { newDataDir } from './collector-process.js';

export interface ClickHouseDouble {
  url: string;
  port: number;
  dataDir: string;
  /** The engine's process (benchmarks read its CPU time). */
  pid: number;
  /** 'fail': every request is answered 503 until 'ok'. */
  setMode(mode: 'ok' | 'fail'): Promise<void>;
  /** Runs a query on the server directly (not through Verdict) and returns its rows. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  kill(): Promise<void>;
}

const SCRIPT = join(PACKAGE_ROOT, 'dist', 'test', 'helpers', 'clickhouse-http-double.js');

export async function startClickHouseDouble(opts: { dataDir?: string; port?: number } = {}): Promise<ClickHouseDouble> {
  const dataDir = opts.dataDir ?? newDataDir();
  const child = spawn(process.execPath, [SCRIPT, dataDir, String(opts.port ?? 0)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`ClickHouse test double exited before listening:\n${out}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    dataDir,
    pid: child.pid!,
    async setMode(mode) {
      const res = await fetch(`${url}/__test/mode?mode=${mode}`, { method: 'POST' });
      if (!res.ok) throw new Error(`cannot set test double mode: ${res.status}`);
    },
    async query(sql) {
      const res = await fetch(`${url}/?query_id=test`, { method: 'POST', body: `${sql}\nFORMAT JSONEachRow` });
      const text = await res.text();
      if (!res.ok) throw new Error(`query failed: ${text}`);
      return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A port that was free a moment ago (for a server that must come up later at a known address). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
