// Health for probes and scrapers: /healthz (the process answers), /readyz (may a load balancer
// send this collector traffic? the schema is applied, the store answers a cheap SELECT 1 in time,
// inserts are not failing past a grace period, the durable queue is below its byte budget and its
// disk has room; otherwise 503 with a JSON reason) and /metrics (Prometheus text, rendered by the
// collector's own metrics module).
import type { FastifyPluginAsync } from 'fastify';

export interface ReadinessSources {
  schemaApplied(): boolean;
  /** Resolves when the store answered `SELECT 1`. */
  ping(signal: AbortSignal): Promise<void>;
  /** Bytes on the queue's budget: spans waiting, and segments set aside in rejected/. */
  queueBytes(): number;
  queueMaxBytes: number;
  /** How long the store may take to answer before it counts as unreachable. */
  pingTimeoutMs?: number;
  /** Bytes an unprivileged writer may still use on the data directory's disk. */
  freeDiskBytes(): Promise<number>;
  /** Below this many free bytes the collector is not ready (the queue would soon fail to write). */
  minFreeDiskBytes: number;
  /** Since when (epoch ms) inserts into the store have been failing, and the last error; undefined while they succeed. */
  insertsFailing(): { sinceMs: number; error: string } | undefined;
  /** How long inserts may fail (a restart, a short outage) before the collector stops being ready. */
  insertsFailingGraceMs: number;
}

export interface Readiness {
  ready: boolean;
  /** Why not, for the operator reading the probe's body. */
  reason?: string;
  checks: { schema: boolean; store: boolean; inserts: boolean; queue: boolean; disk: boolean };
}

/** A byte count as a person reads it: `1.5 GiB`. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[i]}`;
}

/** Rejects after `limitMs`: a store or a disk that hangs must not hang the probe. */
async function within<T>(limitMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(abort.signal),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${limitMs} ms`)), limitMs))),
    ]);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

export async function checkReadiness(sources: ReadinessSources): Promise<Readiness> {
  const limitMs = sources.pingTimeoutMs ?? 2_000;
  const schema = sources.schemaApplied();
  const queueBytes = sources.queueBytes();
  const queue = queueBytes < sources.queueMaxBytes;
  const [pinged, free] = await Promise.allSettled([within(limitMs, (signal) => sources.ping(signal)), within(limitMs, () => sources.freeDiskBytes())]);
  const storeError = pinged.status === 'rejected' ? (pinged.reason as Error).message : undefined;
  const store = storeError === undefined;
  const disk = free.status === 'fulfilled' && free.value >= sources.minFreeDiskBytes;
  const failing = sources.insertsFailing();
  const failingMs = failing ? Date.now() - failing.sinceMs : 0;
  const inserts = !failing || failingMs < sources.insertsFailingGraceMs;
  const reasons: string[] = [];
  if (!schema) reasons.push('the schema is not applied yet (the ClickHouse server has not been reachable)');
  if (!store) reasons.push(`the store does not answer SELECT 1: ${storeError}`);
  if (!inserts) reasons.push(`inserts into the store have failed for ${(failingMs / 1000).toFixed(1)} s (grace ${(sources.insertsFailingGraceMs / 1000).toFixed(1)} s): ${failing!.error}`);
  if (!queue) reasons.push(`the durable queue holds ${formatBytes(queueBytes)}, at or above its budget of ${formatBytes(sources.queueMaxBytes)}`);
  if (!disk) {
    reasons.push(free.status === 'fulfilled'
      ? `the data directory's disk has ${formatBytes(free.value)} free, below the floor of ${formatBytes(sources.minFreeDiskBytes)}`
      : `cannot tell the data directory's free disk space: ${(free.reason as Error).message}`);
  }
  return { ready: reasons.length === 0, reason: reasons.length > 0 ? reasons.join('; ') : undefined, checks: { schema, store, inserts, queue, disk } };
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
