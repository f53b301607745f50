// Starts a collector inside the test process on free ports and a fresh data directory (one per
// test file: chDB binds one data directory per process), plus small helpers to post and query.
import { startCollector, type RunningCollector } from '../../service/start.js';
import { loadConfig } from '../../store/config.js';
import { newDataDir } from './collector-process.js';

export async function startTestCollector(flags: Record<string, string> = {}): Promise<RunningCollector> {
  return startCollector(
    loadConfig({}, { 'data-dir': newDataDir(), 'otlp-http-port': '0', 'otlp-grpc-port': '0', 'api-port': '0', 'clickhouse-http-port': '0', 'batch-max-delay-ms': '20', ...flags }),
  );
}

/** Queries the store after making every acknowledged span queryable (the queue inserts asynchronously). */
export async function rows(c: RunningCollector, query: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
  await c.flush();
  const result = await c.store.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<Record<string, unknown>>();
}

export async function postOtlp(
  c: RunningCollector,
  body: Buffer | string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(`${c.otlpHttpUrl}/v1/traces`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}
