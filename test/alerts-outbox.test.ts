// The webhook outbox against a real local HTTP receiver: while the receiver is down nothing is lost
// and, once it is back, every message arrives once and in order; messages written before a restart
// are delivered by the reopened outbox; rules files are checked field by field. Time is injected,
// so backoff is exercised without waiting.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOutbox } from '../alerts/outbox.js';
import { alertRules, AlertRulesError, quietUntil } from '../alerts/rules.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function listen(port: number, seen: string[], ids: string[]): Promise<number> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push((JSON.parse(body) as { n: string }).n);
      ids.push(String(req.headers['x-verdict-delivery']));
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on yet: taken from the OS, then freed. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('alert outbox', () => {
  it('keeps messages while the receiver is down, backs off, and delivers each once, in order, when it is back', async () => {
    let now = 1_000_000;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hook`;
    const outbox = openOutbox({ dir: mkdtempSync(join(tmpdir(), 'verdict-outbox-')), baseDelayMs: 1_000, now: () => now });
    for (const n of ['a', 'b', 'c']) outbox.enqueue({ url, body: { n } });

    // Down: the first message fails and the others wait behind it.
    expect(await outbox.deliverDue()).toEqual({ delivered: 0, failed: 1 });
    expect(outbox.pending().map((m) => m.attempts)).toEqual([1, 0, 0]);
    // Not due yet (backoff 1 s): nothing is tried.
    expect(await outbox.deliverDue()).toEqual({ delivered: 0, failed: 0 });
    now += 1_000;
    expect(await outbox.deliverDue()).toEqual({ delivered: 0, failed: 1 });
    expect(outbox.pending()[0].dueMs).toBe(now + 2_000);

    const seen: string[] = [];
    const ids: string[] = [];
    await listen(port, seen, ids);
    now += 2_000;
    expect(await outbox.deliverDue()).toEqual({ delivered: 3, failed: 0 });
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(new Set(ids).size).toBe(3);
    expect(outbox.pending()).toEqual([]);
    expect(await outbox.deliverDue()).toEqual({ delivered: 0, failed: 0 });
    expect(seen).toHaveLength(3);
    await outbox.close();
  });

  it('a reopened outbox (after a restart) delivers what the old one had not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-outbox-'));
    const seen: string[] = [];
    const port = await listen(0, seen, []);
    const before = openOutbox({ dir });
    before.enqueue({ url: `http://127.0.0.1:${port}/x`, body: { n: 'survivor' } });
    await before.close();
    const after = openOutbox({ dir });
    expect(after.pending().map((m) => (m.body as { n: string }).n)).toEqual(['survivor']);
    expect(await after.deliverDue()).toEqual({ delivered: 1, failed: 0 });
    expect(seen).toEqual(['survivor']);
    await after.close();
  });

  it('rules: defaults, a bad field named, quiet hours across midnight', () => {
    expect(alertRules().metrics).toEqual(['errorRate', 'latencyP95', 'inputTokensPerRequest', 'outputTokensPerRequest']);
    expect(() => alertRules({ metrics: ['errorRate', 'nope' as 'errorRate'] })).toThrow(AlertRulesError);
    expect(() => alertRules({ minRequests: 0 })).toThrow(/\/minRequests/);
    const rules = alertRules({ quietHours: { from: '22:00', to: '07:00' } });
    const day = Date.UTC(2026, 0, 5);
    expect(quietUntil(rules, day + 23 * 3_600_000)).toBe(day + 31 * 3_600_000);
    expect(quietUntil(rules, day + 3 * 3_600_000)).toBe(day + 7 * 3_600_000);
    expect(quietUntil(rules, day + 12 * 3_600_000)).toBeUndefined();
  });
});
