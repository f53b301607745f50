// A canary end to end, through real OTLP/HTTP ingest with the clock driven by span timestamps:
// 1.2.0 serves production; 1.3.0 starts at 10 % with a worse error rate; the watcher (driven by
// POST /api/alerts/check) detects it once and both webhooks (real local HTTP receivers, generic
// JSON and Slack) receive the alert once; 1.3.0 is rolled back; the alert resolves and both
// receivers hear it; the registry's history of 1.3.0 shows the rollback.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningCollector } from '../service/start.js';
import { startTestCollector } from './helpers/in-process-collector.js';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const MINUTE = 60_000;

interface Receiver {
  url: string;
  bodies: Array<Record<string, unknown>>;
  server: Server;
}

async function receiver(): Promise<Receiver> {
  const bodies: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      bodies.push(JSON.parse(data) as Record<string, unknown>);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, server };
}

let c: RunningCollector;
let json: Receiver;
let slack: Receiver;
let spanSeq = 0;

/** One minute of requests of one version: `errors` of them failed, spread over the minute. */
function minuteOf(version: string, minute: number, requests: number, errors: number) {
  return Array.from({ length: requests }, (_, i) => {
    const id = ++spanSeq;
    const start = BigInt(T0 + minute * MINUTE + Math.floor((i * MINUTE) / requests)) * 1_000_000n;
    return {
      traceId: id.toString(16).padStart(32, '0'),
      spanId: id.toString(16).padStart(16, '0'),
      name: 'POST /chat',
      kind: 2,
      startTimeUnixNano: String(start),
      // Latency uniform over 80–120 ms whatever the count, so versions differ only in errors.
      endTimeUnixNano: String(start + BigInt(80 + Math.floor((i * 40) / requests)) * 1_000_000n),
      status: { code: i < errors ? 2 : 1 },
    };
  });
}

async function send(version: string, commit: string, spans: unknown[]): Promise<void> {
  const attributes = Object.entries({ 'service.name': 'chat', 'service.version': version, 'deployment.environment.name': 'production', 'vcs.ref.head.revision': commit })
    .map(([key, v]) => ({ key, value: { stringValue: v } }));
  const res = await fetch(`${c.otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ resource: { attributes }, scopeSpans: [{ spans }] }] }),
  });
  expect(res.status).toBe(200);
}

/** Minutes [from, to) of traffic: 1.2.0 always (2 % errors), the canary version at 10 % (25 % errors) while `canary`. */
async function traffic(from: number, to: number, canary: boolean, version = '1.3.0'): Promise<void> {
  for (let m = from; m < to; m++) {
    await send('1.2.0', 'bbbb2222', minuteOf('1.2.0', m, canary ? 180 : 200, 4));
    if (canary) await send(version, 'cccc3333', minuteOf(version, m, 20, 5));
  }
  await c.flush();
}

const check = async () => (await (await fetch(`${c.apiUrl}/api/alerts/check`, { method: 'POST' })).json()) as { opened: unknown[]; resolved: unknown[]; delivered: number; pending: number };
const post = (path: string, body: unknown) => fetch(`${c.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
async function cliOut(...args: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  try {
    expect(await main(args)).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return out;
}

const kinds = (r: Receiver) => r.bodies.map((b) => (typeof b.kind === 'string' ? b.kind : String(b.text).split(':')[0]));

beforeAll(async () => {
  [json, slack] = await Promise.all([receiver(), receiver()]);
  const dir = mkdtempSync(join(tmpdir(), 'verdict-alert-rules-'));
  const rules = join(dir, 'rules.json');
  writeFileSync(rules, JSON.stringify({
    metrics: ['errorRate', 'latencyP95'],
    thresholds: { minErrorRateDelta: 0.02 },
    minRequests: 50,
    environments: ['production'],
    webhooks: [{ url: json.url, format: 'json' }, { url: slack.url, format: 'slack' }],
    pageUrl: 'https://verdict.example.com',
  }));
  c = await startTestCollector({ 'alerts-config': rules });
});
afterAll(async () => {
  await c?.close();
  for (const r of [json, slack]) r?.server.close();
});

describe('a canary, end to end', () => {
  it('detects 1.3.0 at 10 % with a worse error rate, notifies both webhooks once, and resolves after the rollback', async () => {
    expect((await post('/api/registry/changes', { action: 'register', service: 'chat', version: '1.2.0', commit: 'bbbb2222' })).status).toBe(200);
    expect((await post('/api/registry/changes', { action: 'promote', service: 'chat', version: '1.2.0', to: 'production' })).status).toBe(200);
    await traffic(0, 10, false);
    expect((await check()).opened).toEqual([]);

    await traffic(10, 20, true);
    const detected = await check();
    expect(detected.opened).toHaveLength(1);
    expect(detected.opened[0]).toMatchObject({ service: 'chat', environment: 'production', version: '1.3.0', baseline: '1.2.0', metric: 'errorRate', state: 'firing', rollbackTo: { version: '1.2.0', commit: 'bbbb2222' } });
    expect(detected.delivered).toBe(2);
    // Detected on span time, within the canary's minutes.
    const openedAt = Date.parse((detected.opened[0] as { openedAt: string }).openedAt);
    expect(openedAt).toBeGreaterThan(T0 + 10 * MINUTE);
    expect(openedAt).toBeLessThanOrEqual(T0 + 20 * MINUTE);

    const alert = json.bodies[0] as { kind: string; alert: Record<string, unknown>; links: { comparison: string; traces: string }; text: string };
    expect(alert.kind).toBe('regression');
    expect(alert.links.comparison).toBe('https://verdict.example.com/?view=compare&service=chat&env=production&baseline=1.2.0&candidate=1.3.0');
    expect(decodeURIComponent(alert.links.traces.replace(/\+/g, ' '))).toContain("version = '1.3.0' AND attributes.status = 'ERROR'");
    expect(alert.text).toMatch(/errorRate 25\.00 % vs 2\.\d\d % on 1\.2\.0 \(95 % CI of the difference [\d.]+ pt to [\d.]+ pt\); roll back to 1\.2\.0 \(bbbb2222\)/);
    expect((slack.bodies[0] as { text: string; blocks: unknown[] }).blocks).toHaveLength(2);

    // More canary minutes: still one episode, nothing sent again.
    await traffic(20, 22, true);
    expect((await check()).opened).toEqual([]);
    expect([json.bodies.length, slack.bodies.length]).toEqual([1, 1]);
    const gauge = await (await fetch(`${c.apiUrl}/metrics`)).text();
    expect(gauge).toContain('verdict_regression{service="chat",environment="production",version="1.3.0",metric="errorRate"} 1');

    // Rolled back: only 1.2.0 from minute 22 on; once 1.3.0 has been silent for 5 minutes, resolved.
    await traffic(22, 30, false);
    const after = await check();
    expect(after.resolved).toHaveLength(1);
    expect(after.resolved[0]).toMatchObject({ version: '1.3.0', state: 'resolved', resolvedBecause: 'stopped_serving' });
    expect(kinds(json)).toEqual(['regression', 'resolved']);
    expect(slack.bodies).toHaveLength(2);
    expect(String((slack.bodies[1] as { text: string }).text)).toMatch(/^Resolved: chat \/ production 1\.3\.0 errorRate \(stopped serving\)/);

    const { alerts } = (await (await fetch(`${c.apiUrl}/api/alerts`)).json()) as { alerts: Array<{ state: string }> };
    expect(alerts.map((a) => a.state)).toEqual(['resolved']);
    const listed = await cliOut('alerts', '--api', c.apiUrl, '--no-color');
    expect(listed).toMatch(/resolved +\S+ +chat +production +1\.3\.0 +errorRate +25\.00 % +2\.\d\d % \(1\.2\.0\) +1\.2\.0 @bbbb2222 +\S+ \(stopped serving\)/);
    expect(await (await fetch(`${c.apiUrl}/metrics`)).text()).toContain('verdict_regression{service="chat",environment="production",version="1.3.0",metric="errorRate"} 0');

    const { history } = (await (await fetch(`${c.apiUrl}/api/registry/versions/chat/1.3.0/history`)).json()) as { history: Array<{ kind: string; text: string }> };
    expect(history.find((h) => h.kind === 'rollback')?.text).toMatch(/canary withdrawn in production: traffic went back to 1\.2\.0/);
  });

  it('an episode also resolves when its version is archived in the registry', async () => {
    await traffic(30, 40, true, '1.4.0');
    expect((await check()).opened).toMatchObject([{ version: '1.4.0', metric: 'errorRate' }]);
    expect((await post('/api/registry/changes', { action: 'archive', service: 'chat', version: '1.4.0', reason: 'error rate' })).status).toBe(200);
    expect((await check()).resolved).toMatchObject([{ version: '1.4.0', resolvedBecause: 'archived' }]);
    expect(kinds(json)).toEqual(['regression', 'resolved', 'regression', 'resolved']);
  });

  it('and when its version is promoted to production, so it is the baseline now', async () => {
    await traffic(45, 55, true, '1.5.0');
    expect((await check()).opened).toMatchObject([{ version: '1.5.0', metric: 'errorRate' }]);
    expect((await post('/api/registry/changes', { action: 'promote', service: 'chat', version: '1.5.0', to: 'production', reason: 'accepted' })).status).toBe(200);
    const after = await check();
    expect(after.resolved).toMatchObject([{ version: '1.5.0', resolvedBecause: 'became_baseline' }]);
    // 1.2.0, now the other version serving, is better than its new baseline: no alert.
    expect(after.opened).toEqual([]);
  });
});
