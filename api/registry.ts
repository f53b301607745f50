// The registry's routes (/api/registry/…): version records with their drift, one record, its
// history (audited events beside the traffic), the events (JSON or JSON lines), the diff of two
// versions, compare with the default baseline, and the writes, which need an ingest key. No route
// edits or deletes an event: the only write appends.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { headerOf, presentedKey, type ApiKeys } from '../auth/api-keys.js';
import { answer } from '../queries/question.js';
import { applyChange, type Change } from '../registry/changes.js';
import { registryCompareQuestion } from '../registry/compare-default.js';
import { diffRecords } from '../registry/diff.js';
import { readEvents } from '../registry/events.js';
import { historyOf } from '../registry/history.js';
import { archiveBehind } from '../registry/policy.js';
import { listRecords, recordsOf, serviceViews } from '../registry/records.js';
import { HistoryEntrySchema, RegistryEventSchema, VersionDiffSchema, VersionRecordSchema } from '../registry/schema.js';
import { HttpError } from './http-error.js';
import { ErrorSchema } from './openapi.js';
import { questionErrorHandler, questionRoute } from './questions.js';

export interface RegistryRoutesOptions {
  client: ClickHouseClient;
  keys: ApiKeys;
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

const Service = Type.Object({ service: Type.String({ minLength: 1 }), version: Type.String({ minLength: 1 }) });
const Canary = Type.Optional(Type.Integer({ minimum: 1, description: 'Minutes two versions may overlap before it is drift (default 60).' }));

const StringMap = Type.Optional(Type.Record(Type.String(), Type.String()));
const ChangeBody = Type.Object({
  action: Type.Union(['register', 'promote', 'archive', 'golden', 'note'].map((a) => Type.Literal(a))),
  service: Type.String({ minLength: 1 }),
  version: Type.String({ minLength: 1 }),
  commit: Type.Optional(Type.String()),
  params: StringMap,
  prompts: StringMap,
  config: Type.Optional(Type.Unknown()),
  note: Type.Optional(Type.String()),
  text: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  environment: Type.Optional(Type.String()),
  allowSeveral: Type.Optional(Type.Boolean()),
  reason: Type.Optional(Type.String()),
}, { additionalProperties: false });

export const registryRoutes: FastifyPluginAsync<RegistryRoutesOptions> = async (app, options) => {
  const { client, keys } = options;
  app.setErrorHandler(questionErrorHandler);
  questionRoute(app, registryCompareQuestion, client);

  app.get('/api/registry/versions', {
    schema: {
      querystring: Type.Object({ service: Type.Optional(Type.String()), canaryMinutes: Canary }, { additionalProperties: false }),
      response: { 200: answer({ versions: Type.Array(VersionRecordSchema) }), '4xx': ErrorSchema },
    },
  }, async (request) => {
    const q = request.query as { service?: string; canaryMinutes?: number };
    return { versions: await listRecords(client, { service: q.service || undefined, canaryMinutes: q.canaryMinutes }) };
  });

  app.get('/api/registry/versions/:service/:version', {
    schema: { params: Service, querystring: Type.Object({ canaryMinutes: Canary }), response: { 200: VersionRecordSchema, '4xx': ErrorSchema } },
  }, async (request) => {
    const p = request.params as { service: string; version: string };
    const [view] = await serviceViews(client, p.service);
    const record = recordsOf(view, request.query as { canaryMinutes?: number }).find((r) => r.version === p.version);
    if (!record) throw new HttpError(404, `no version ${p.version} of ${p.service} in spans or in the registry`);
    return record;
  });

  app.get('/api/registry/versions/:service/:version/history', {
    schema: { params: Service, response: { 200: answer({ history: Type.Array(HistoryEntrySchema) }), '4xx': ErrorSchema } },
  }, async (request) => {
    const p = request.params as { service: string; version: string };
    const [view] = await serviceViews(client, p.service);
    return { history: historyOf(view, p.version) };
  });

  app.get('/api/registry/events', {
    schema: {
      querystring: Type.Object({
        service: Type.Optional(Type.String()),
        version: Type.Optional(Type.String()),
        format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('jsonl')])),
      }, { additionalProperties: false }),
      response: { 200: answer({ events: Type.Array(RegistryEventSchema) }), '4xx': ErrorSchema },
    },
  }, async (request, reply) => {
    const q = request.query as { service?: string; version?: string; format?: string };
    const events = await readEvents(client, { service: q.service || undefined, version: q.version || undefined });
    if (q.format === 'jsonl') {
      // Export: one event per line, as stored; the response schema is for the JSON form.
      return reply.type('application/x-ndjson').serializer((x: unknown) => String(x)).send(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    }
    return { events };
  });

  app.get('/api/registry/diff', {
    schema: {
      querystring: Type.Object({ service: Type.String({ minLength: 1 }), from: Type.String({ minLength: 1 }), to: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      response: { 200: VersionDiffSchema, '4xx': ErrorSchema },
    },
  }, async (request) => {
    const q = request.query as { service: string; from: string; to: string };
    const [view] = await serviceViews(client, q.service);
    const records = recordsOf(view);
    const a = records.find((r) => r.version === q.from);
    const b = records.find((r) => r.version === q.to);
    if (!a || !b) throw new HttpError(404, `no version ${!a ? q.from : q.to} of ${q.service} in spans or in the registry`);
    return diffRecords(a, b);
  });

  app.post('/api/registry/changes', {
    config: { keyRole: 'ingest' },
    schema: { body: ChangeBody, response: { 200: answer({ events: Type.Array(RegistryEventSchema) }), '4xx': ErrorSchema } },
  }, async (request) => ({ events: await applyChange(client, request.body as Change, actorOf(request, keys)) }));

  app.post('/api/registry/policy/archive-behind', {
    config: { keyRole: 'ingest' },
    schema: {
      body: Type.Object({ service: Type.String({ minLength: 1 }), behind: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
      response: { 200: answer({ events: Type.Array(RegistryEventSchema) }), '4xx': ErrorSchema },
    },
  }, async (request) => {
    const b = request.body as { service: string; behind: number };
    return { events: await archiveBehind(client, b.service, b.behind) };
  });
};
