// The registry's routes (/api/registry/…): version records with their drift, one record, its
// history (audited events beside the traffic), the events (JSON or JSON lines), the diff of two
// versions, compare with the default baseline, and the writes, which need an ingest key. No route
// edits or deletes an event: the only write appends.
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { headerOf, presentedKey, type ApiKeys } from '../auth/api-keys.js';
import { applyChange, type Change } from '../registry/changes.js';
import { registryCompareQuestion } from '../registry/compare-default.js';
import { diffRecords } from '../registry/diff.js';
import { readEvents } from '../registry/events.js';
import { historyOf } from '../registry/history.js';
import { archiveBehind } from '../registry/policy.js';
import { listRecords, recordsOf, serviceViews } from '../registry/records.js';
import { HttpError } from './http-error.js';
import { ErrorSchema } from './openapi.js';
import { questionErrorHandler, questionRoute } from './questions.js';
import { REGISTRY_ROUTES, routeOptions } from './route-specs.js';

export interface RegistryRoutesOptions {
  client: ClickHouseClient;
  keys: ApiKeys;
  /**
   * Held around each write on a server other collectors share (schema/lease-lock.ts): a write reads
   * the service's events, checks the rules and appends, so two at once (a promotion on each of two
   * collectors) could both pass the one-production rule.
   */
  writeLock?: { acquire(): Promise<void>; release(): Promise<void> };
}

/** The header the CLI names its user in (CI actor or $USER); with keys, the key names the writer. */
export const ACTOR_HEADER = 'x-verdict-actor';

/**
 * Who made a change: with keys, the key's name from the keys file or else its fingerprint (never the
 * key), followed by who the client says it is; without keys, who the client says.
 */
export function actorOf(request: FastifyRequest, keys: ApiKeys): string {
  const said = headerOf(request.headers)(ACTOR_HEADER)?.trim().slice(0, 200) || undefined;
  const key = presentedKey(headerOf(request.headers));
  if (keys.enabled && key) {
    const who = keys.nameOf?.(key) ?? `key:${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 12)}`;
    return said ? `${who} (${said})` : who;
  }
  return said ?? 'anonymous';
}

export const registryRoutes: FastifyPluginAsync<RegistryRoutesOptions> = async (app, options) => {
  const { client, keys } = options;
  app.setErrorHandler(questionErrorHandler);
  questionRoute(app, registryCompareQuestion, client);

  const R = REGISTRY_ROUTES;
  app.get(R.versions.url, routeOptions(R.versions, ErrorSchema), async (request) => {
    const q = request.query as { service?: string; canaryMinutes?: number };
    return { versions: await listRecords(client, { service: q.service || undefined, canaryMinutes: q.canaryMinutes }) };
  });

  app.get(R.record.url, routeOptions(R.record, ErrorSchema), async (request) => {
    const p = request.params as { service: string; version: string };
    const [view] = await serviceViews(client, p.service);
    const record = recordsOf(view, request.query as { canaryMinutes?: number }).find((r) => r.version === p.version);
    if (!record) throw new HttpError(404, `no version ${p.version} of ${p.service} in spans or in the registry`);
    return record;
  });

  app.get(R.history.url, routeOptions(R.history, ErrorSchema), async (request) => {
    const p = request.params as { service: string; version: string };
    const [view] = await serviceViews(client, p.service);
    return { history: historyOf(view, p.version) };
  });

  app.get(R.events.url, routeOptions(R.events, ErrorSchema), async (request, reply) => {
    const q = request.query as { service?: string; version?: string; format?: string };
    const events = await readEvents(client, { service: q.service || undefined, version: q.version || undefined });
    if (q.format === 'jsonl') {
      // Export: one event per line, as stored; the response schema is for the JSON form.
      return reply.type('application/x-ndjson').serializer((x: unknown) => String(x)).send(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    }
    return { events };
  });

  app.get(R.diff.url, routeOptions(R.diff, ErrorSchema), async (request) => {
    const q = request.query as { service: string; from: string; to: string };
    const [view] = await serviceViews(client, q.service);
    const records = recordsOf(view);
    const a = records.find((r) => r.version === q.from);
    const b = records.find((r) => r.version === q.to);
    if (!a || !b) throw new HttpError(404, `no version ${!a ? q.from : q.to} of ${q.service} in spans or in the registry`);
    return diffRecords(a, b);
  });

  // One write at a time: in this process by a chain, across collectors by the lock.
  let writing: Promise<unknown> = Promise.resolve();
  const serialised = <T>(write: () => Promise<T>): Promise<T> => {
    const lock = options.writeLock;
    const run = lock ? async () => {
      await lock.acquire();
      try {
        return await write();
      } finally {
        await lock.release();
      }
    } : write;
    const next = writing.then(run, run);
    writing = next.catch(() => {});
    return next;
  };

  app.post(R.changes.url, routeOptions(R.changes, ErrorSchema), async (request) => ({
    events: await serialised(() => applyChange(client, request.body as Change, actorOf(request, keys))),
  }));

  app.post(R.archiveBehind.url, routeOptions(R.archiveBehind, ErrorSchema), async (request) => {
    const b = request.body as { service: string; behind: number };
    return { events: await serialised(() => archiveBehind(client, b.service, b.behind)) };
  });
};
