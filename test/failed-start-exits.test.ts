// A collector that cannot start (here: its API port is taken) must exit with an error, also when
// it is still waiting for a ClickHouse server to apply the schema: nothing it started may keep
// the process alive.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './helpers/clickhouse-double-process.js';
import { startCollectorProcess } from './helpers/collector-process.js';

let busy: Server | undefined;
afterEach(() => {
  busy?.close();
});

describe('a collector that cannot start', () => {
  it('exits non-zero while the ClickHouse server is unreachable', async () => {
    busy = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => busy!.once('listening', resolve));
    const taken = (busy.address() as { port: number }).port;
    const nobody = await freePort();
    await expect(
      startCollectorProcess({ args: ['--clickhouse-url', `http://127.0.0.1:${nobody}`, '--api-port', String(taken), '--log-level', 'silent'] }),
    ).rejects.toThrow(/collector exited with 2 before it was ready[\s\S]*EADDRINUSE/);
  }, 15_000);
});
