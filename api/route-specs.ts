// The registry's and the alerts' routes, declared once: method, URL, summary and schemas. Their
// plugins (api/registry.ts, api/alerts.ts) register them with these schemas, and the OpenAPI
// document (api/openapi.ts) describes them from the same declarations.
import { Type, type TSchema } from '@sinclair/typebox';
import { AlertSchema } from '../alerts/episodes.js';
import { answer } from '../queries/question.js';
import { CHANGE_ACTIONS } from '../registry/changes.js';
import { HistoryEntrySchema, RegistryEventSchema, VersionDiffSchema, VersionRecordSchema } from '../registry/schema.js';

export interface RouteSpec {
  method: 'GET' | 'POST';
  url: string;
  summary: string;
  /** Needs an ingest key rather than a read key. */
  ingestKey?: boolean;
  querystring?: TSchema;
  params?: TSchema;
  body?: TSchema;
  response: TSchema;
}

const ServiceVersion = Type.Object({ service: Type.String({ minLength: 1 }), version: Type.String({ minLength: 1 }) });
const Canary = Type.Optional(Type.Integer({ minimum: 1, description: 'Minutes two versions may overlap before it is drift (default 60).' }));
const StringMap = Type.Optional(Type.Record(Type.String(), Type.String()));
const Events = answer({ events: Type.Array(RegistryEventSchema) });

export const REGISTRY_ROUTES = {
  versions: {
    method: 'GET',
    url: '/api/registry/versions',
    summary: 'Every version\'s record: stage, golden mark, commit, branch, parameters, prompts, configuration, notes and drift',
    querystring: Type.Object({ service: Type.Optional(Type.String()), canaryMinutes: Canary }, { additionalProperties: false }),
    response: answer({ versions: Type.Array(VersionRecordSchema) }),
  },
  record: {
    method: 'GET',
    url: '/api/registry/versions/:service/:version',
    summary: 'One version\'s record',
    params: ServiceVersion,
    querystring: Type.Object({ canaryMinutes: Canary }, { additionalProperties: false }),
    response: VersionRecordSchema,
  },
  history: {
    method: 'GET',
    url: '/api/registry/versions/:service/:version/history',
    summary: 'A version\'s audited events beside what its traffic did',
    params: ServiceVersion,
    response: answer({ history: Type.Array(HistoryEntrySchema) }),
  },
  events: {
    method: 'GET',
    url: '/api/registry/events',
    summary: 'The audit trail, oldest first; format=jsonl exports it as JSON lines',
    querystring: Type.Object({
      service: Type.Optional(Type.String()),
      version: Type.Optional(Type.String()),
      format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('jsonl')])),
    }, { additionalProperties: false }),
    response: Events,
  },
  diff: {
    method: 'GET',
    url: '/api/registry/diff',
    summary: 'What changed between two versions: commits, parameters, prompts, configuration',
    querystring: Type.Object({ service: Type.String({ minLength: 1 }), from: Type.String({ minLength: 1 }), to: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    response: VersionDiffSchema,
  },
  changes: {
    method: 'POST',
    url: '/api/registry/changes',
    summary: 'Change the registry (register, promote, archive, golden, note); appends audited events',
    ingestKey: true,
    body: Type.Object({
      action: Type.Union(CHANGE_ACTIONS.map((a) => Type.Literal(a))),
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
    }, { additionalProperties: false }),
    response: Events,
  },
  archiveBehind: {
    method: 'POST',
    url: '/api/registry/policy/archive-behind',
    summary: 'Archive versions N or more iterations behind production (never the golden one)',
    ingestKey: true,
    body: Type.Object({ service: Type.String({ minLength: 1 }), behind: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    response: Events,
  },
} satisfies Record<string, RouteSpec>;

export const ALERT_ROUTES = {
  list: {
    method: 'GET',
    url: '/api/alerts',
    summary: 'Regression alerts, newest first',
    querystring: Type.Object({
      state: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved')])),
      service: Type.Optional(Type.String()),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    }, { additionalProperties: false }),
    response: answer({ alerts: Type.Array(AlertSchema) }),
  },
  check: {
    method: 'POST',
    url: '/api/alerts/check',
    summary: 'One watcher pass now, then one delivery pass of the webhook outbox',
    response: answer({ looks: Type.Integer(), opened: Type.Array(AlertSchema), resolved: Type.Array(AlertSchema), delivered: Type.Integer(), pending: Type.Integer() }),
  },
} satisfies Record<string, RouteSpec>;

/** Fastify's route options for a spec, with the shared error answer. */
export function routeOptions(spec: RouteSpec, errorSchema: unknown) {
  return {
    ...(spec.ingestKey ? { config: { keyRole: 'ingest' as const } } : {}),
    schema: {
      ...(spec.querystring ? { querystring: spec.querystring } : {}),
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.body ? { body: spec.body } : {}),
      response: { 200: spec.response, '4xx': errorSchema },
    },
  };
}
