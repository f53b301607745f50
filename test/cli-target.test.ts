// Where a CLI command goes for its data: a collector on the local API port is asked only when no
// data directory was chosen; with one chosen, that collector might hold other data.
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chooseTarget } from '../cli/target.js';
import { loadConfig } from '../store/config.js';
import { newDataDir } from './helpers/collector-process.js';

let server: http.Server;
let port: number;
beforeAll(async () => {
  // Answers /healthz like a collector would.
  server = http.createServer((_req, res) => res.end('{"status":"ok"}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('uses the collector on the API port when no data directory was chosen', async () => {
  expect(await chooseTarget(undefined, loadConfig({}, { 'api-port': String(port) }))).toEqual({ kind: 'api', url: `http://127.0.0.1:${port}` });
});

it('opens a chosen data directory itself when no collector owns it, whatever answers on the port', async () => {
  const config = loadConfig({}, { 'api-port': String(port), 'data-dir': newDataDir() });
  expect(await chooseTarget(undefined, config)).toEqual({ kind: 'local', config });
});

it('takes an explicit --api as it is', async () => {
  expect(await chooseTarget('http://example.invalid:1', loadConfig({}, {}))).toEqual({ kind: 'api', url: 'http://example.invalid:1' });
});
