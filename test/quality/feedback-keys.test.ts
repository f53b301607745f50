// POST /api/feedback takes an ingest key (apps send feedback as they send spans); reading it back
// (GET /api/feedback) takes a read key, as every question does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../service/start.js';
import { loadConfig } from '../../store/config.js';
import { newDataDir } from '../helpers/collector-process.js';

const INGEST = 'ingest-key-0123456789abcdef';
const READ = 'read-key-0123456789abcdef0';
let c: RunningCollector;
beforeAll(async () => {
  c = await startCollector(loadConfig({ VERDICT_INGEST_KEYS: INGEST, VERDICT_READ_KEYS: READ }, { 'data-dir': newDataDir(), 'otlp-http-port': '0', 'otlp-grpc-port': '0', 'api-port': '0', 'clickhouse-http-port': '0' }));
});
afterAll(async () => {
  await c?.close();
});

const post = (key?: string) =>
  fetch(`${c.apiUrl}/api/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ trace_id: '5'.repeat(32), name: 'thumbs_up', value: true }),
  });

describe('feedback and API keys', () => {
  it('POST needs an ingest key; GET a read key', async () => {
    expect((await post()).status).toBe(401);
    expect((await post(READ)).status).toBe(403);
    expect((await post(INGEST)).status).toBe(200);
    // Acknowledged once queued on disk; flushed so that it reads back stored.
    await c.flush();
    const get = (key: string) => fetch(`${c.apiUrl}/api/feedback?trace=${'5'.repeat(32)}`, { headers: { authorization: `Bearer ${key}` } });
    expect((await get(INGEST)).status).toBe(403);
    const read = await get(READ);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { assessments: unknown[] }).assessments).toHaveLength(1);
  });
});
