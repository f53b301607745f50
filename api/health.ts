// Health for probes and scrapers: /healthz (the process answers), /readyz (may a load balancer
// send this collector traffic? the schema is applied, the store answers a cheap SELECT 1 in time,
// and the durable queue is below its byte budget; otherwise 503 with a JSON reason) and /metrics
// (Prometheus text, rendered by the collector's own metrics module).
import type { FastifyPluginAsync } from 'fastify';

export interface ReadinessSources {
  schemaApplied(): boolean;
  /** Resolves when the store answered `SELECT 1`. */
  ping(signal: AbortSignal): Promise<void>;
  queueBytes(): number;
  queueMaxBytes: number;
  /** How long the store may take to answer before it counts as unreachable. */
  pingTimeoutMs?: number;
}

export interface Readiness {
  ready: boolean;
  /** Why not, for the operator reading the probe's body. */
  reason?: string;
  checks: { schema: boolean; store: boolean; queue: boolean };
}

export async function checkReadiness(sources: ReadinessSources): Promise<Readiness> {
  const schema = sources.schemaApplied();
  const queueBytes = sources.queueBytes();
  const queue = queueBytes < sources.queueMaxBytes;
  let storeError: string | undefined;
  const limitMs = sources.pingTimeoutMs ?? 2_000;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    // A store that hangs must not hang the probe: it counts as unreachable after the limit.
    await Promise.race([
      sources.ping(abort.signal),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${limitMs} ms`)), limitMs))),
    ]);
  } catch (err) {
    storeError = (err as Error).message;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  const store = storeError === undefined;
  const reasons: string[] = [];
  if (!schema) reasons.push('the schema is not applied yet (the ClickHouse server has not been reachable)');
  if (!store) reasons.push(`the store does not answer SELECT 1: ${storeError}`);
  if (!queue) reasons.push(`the durable queue holds ${queueBytes} bytes, at or above its budget of ${sources.queueMaxBytes}`);
  return { ready: reasons.length === 0, reason: reasons.length > 0 ? reasons.join('; ') : undefined, checks: { schema, store, queue } };
}

export interface HealthOptions {
  readiness: ReadinessSources;
  /** The Prometheus exposition, read now. */
  metrics(): Promise<string>;
  metricsContentType: string;
}

export const health: FastifyPluginAsync<HealthOptions> = async (app, options) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const readiness = await checkReadiness(options.readiness);
    const body = readiness.ready ? { status: 'ready', checks: readiness.checks } : { status: 'not ready', reason: readiness.reason, checks: readiness.checks };
    return reply.code(readiness.ready ? 200 : 503).send(body);
  });
  app.get('/metrics', async (_request, reply) => reply.header('content-type', options.metricsContentType).send(await options.metrics()));
};
