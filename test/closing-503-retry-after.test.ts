// While the collector shuts down, a request that arrives on a connection still open (pipelined
// behind one in flight) is answered 503 by fastify itself, before any hook of ours runs. That
// answer tells the sender when to retry (Retry-After), on the OTLP receiver and on the API alike;
// the request in flight is still served.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestCollector } from './helpers/in-process-collector.js';
import { otlpJsonRequest } from './helpers/otlp-json.js';

const portOf = (url: string) => Number(new URL(url).port);

/** A connection with a request in flight: its headers are read (the server said 100 Continue), its body not yet sent. */
async function requestInFlight(port: number, head: string): Promise<{ socket: net.Socket; received: () => string }> {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d) => (received += d));
  socket.on('error', () => {});
  socket.write(head);
  for (let i = 0; i < 400 && !received.includes('100 Continue'); i++) await new Promise((r) => setTimeout(r, 10));
  expect(received).toContain('HTTP/1.1 100 Continue');
  return { socket, received: () => received };
}

/** True once nothing accepts connections on the port: the server has begun closing. */
async function refusesConnections(port: number): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(true));
    });
    if (refused) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/** The second response on the connection: status line and headers. */
function secondResponse(text: string): { status: string; headers: Record<string, string> } {
  const responses = text.split(/(?=HTTP\/1\.1 )/).filter((r) => !r.startsWith('HTTP/1.1 100'));
  expect(responses.length).toBe(2);
  const [statusLine, ...lines] = responses[1].split('\r\n\r\n')[0].split('\r\n');
  return { status: statusLine, headers: Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()])) };
}

describe('shutting down', () => {
  it('answers requests that arrive while it closes with 503 and Retry-After', async () => {
    const c = await startTestCollector({ 'log-level': 'silent' });
    const spans = otlpJsonRequest({ service: 'closing', count: 1 });
    // Not users' SQL: a shutdown stops those first, on purpose (operations.md).
    const sql = JSON.stringify({ all: true });
    const otlp = await requestInFlight(portOf(c.otlpHttpUrl),
      `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${spans.length}\r\n\r\n`);
    const api = await requestInFlight(portOf(c.apiUrl),
      `POST /api/queue/rejected/discard HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${sql.length}\r\n\r\n`);

    const closed = c.close();
    expect(await refusesConnections(portOf(c.otlpHttpUrl))).toBe(true);
    expect(await refusesConnections(portOf(c.apiUrl))).toBe(true);
    // Each in-flight body completes, with one more request pipelined behind it.
    const ended = (conn: { socket: net.Socket }) => new Promise<void>((resolve) => conn.socket.on('close', () => resolve()));
    const ends = [ended(otlp), ended(api)];
    otlp.socket.write(`${spans}POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${spans.length}\r\n\r\n${spans}`);
    api.socket.write(`${sql}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
    await Promise.all(ends);
    await closed;

    for (const conn of [otlp, api]) {
      expect(conn.received()).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
      const second = secondResponse(conn.received());
      expect(second.status).toBe('HTTP/1.1 503 Service Unavailable');
      expect(second.headers['retry-after']).toBe('2');
      expect(second.headers.connection).toBe('close');
    }
  });
});
