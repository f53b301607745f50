// POST /api/flush: makes every span acknowledged so far queryable now, instead of within the batch
// delay, for CI jobs that gate on data they just sent (and for tests).
import type { FastifyPluginAsync } from 'fastify';

export interface FlushOptions {
  /** Inserts everything acknowledged so far; resolves once it is stored. */
  flush(): Promise<void>;
  timeoutMs?: number;
}

export const flushRoute: FastifyPluginAsync<FlushOptions> = async (app, options) => {
  const timeoutMs = options.timeoutMs ?? 30_000;
  app.post('/api/flush', async (_req, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([options.flush().then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      return reply.code(503).header('retry-after', '5').send({ error: `queued spans could not be stored within ${timeoutMs / 1000} s; the store may be unavailable`, statusCode: 503 });
    }
    return { flushed: true };
  });
};
