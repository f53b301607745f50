// GET /api/openapi.json: the OpenAPI 3.1 document of the query API, built from the same question
// declarations the routes are (JSON Schema 2020-12 is OpenAPI 3.1's own schema language, so the
// declared parameter and answer schemas are used as they are).
import type { FastifyPluginAsync } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { QUESTION_LIST } from '../queries/questions.js';
import { registryCompareQuestion } from '../registry/compare-default.js';
import { RejectedActionSchema, RejectedListSchema } from './rejected.js';
import { ALERT_ROUTES, REGISTRY_ROUTES, type RouteSpec } from './route-specs.js';

export const ErrorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    position: { type: 'integer', description: 'Filter errors: 0-based character position.' },
    expected: { type: 'string', description: 'Filter errors: what was expected there.' },
  },
  required: ['error', 'statusCode'],
} as const;

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function parameters(schema: TSchema | undefined, where: 'path' | 'query') {
  const properties = (schema?.properties ?? {}) as Record<string, TSchema & { description?: string }>;
  return Object.entries(properties).map(([name, s]) => ({ name, in: where, required: where === 'path', description: s.description, schema: s }));
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const json = (schema: unknown) => ({ 'application/json': { schema } });
  for (const q of [...QUESTION_LIST, registryCompareQuestion]) {
    const responses: Record<string, unknown> = {
      200: { description: 'The answer.', content: json(q.response) },
      400: { description: 'A parameter or filter is invalid; the message names it.', content: json(ErrorSchema) },
    };
    if (q.notFound) responses[404] = { description: q.notFound, content: json(ErrorSchema) };
    paths[openApiPath(q.path)] = {
      get: { operationId: q.name, summary: q.summary, description: q.description, parameters: [...parameters(q.pathParams, 'path'), ...parameters(q.params, 'query')], responses },
    };
  }
  paths['/api/sql'] = {
    get: {
      summary: 'Read-only SQL',
      description: 'Runs one read-only ClickHouse query (the engine refuses writes, DDL, file()/url() and settings that lift that). Also POST with {"query": "..."}.',
      parameters: [{ name: 'query', in: 'query', required: true, schema: { type: 'string' } }],
      responses: { 200: { description: 'columns and rows', content: json({ type: 'object' }) }, 400: { description: 'The query failed.', content: json(ErrorSchema) } },
    },
  };
  // The feedback question's path also takes assessments (api/feedback.ts), with an ingest key.
  paths['/api/feedback'] = {
    ...(paths['/api/feedback'] as object),
    post: {
      summary: 'Send feedback and expectations',
      description: 'One assessment, a list, or {"assessments": [...]}, in MLflow\'s assessment shape (trace_id, assessment_name, feedback | expectation {value, error}, source {source_type HUMAN | LLM_JUDGE | CODE, source_id}, rationale, metadata, assessment_id, create_time) or Langfuse\'s score shape (traceId, name, value, dataType NUMERIC | BOOLEAN | CATEGORICAL, comment, id). Needs an ingest key. Acknowledged once on disk in the collector\'s feedback queue (queryable within the batch delay, or after POST /api/flush); inserted exactly once. Idempotent on the client id; a later assessment of the same trace, name and source overrides the earlier (history kept).',
      requestBody: { required: true, content: json({ type: ['object', 'array'] }) },
      responses: {
        200: { description: 'Accepted: durable on disk (stored, where no collector queue is in the way).', content: json({ type: 'object', properties: { accepted: { type: 'integer' }, ids: { type: 'array', items: { type: 'string' } } } }) },
        400: { description: 'A field is wrong (named in `field`); nothing of the request is stored.', content: json(ErrorSchema) },
        413: { description: 'One request larger than the whole feedback queue: split it.', content: json(ErrorSchema) },
        503: { description: 'The queue is full, the collector is shutting down, or the store cannot take it now; retry after Retry-After.', content: json(ErrorSchema) },
      },
    },
  };
  paths['/api/queue/rejected'] = {
    get: {
      summary: 'Set-aside queue segments',
      description: 'Batches the store refused for their content, and segments kept as evidence of disk damage: acknowledged spans not stored, counted against the queue budget.',
      responses: { 200: { description: 'The segments, oldest first.', content: json(RejectedListSchema) } },
    },
  };
  for (const [verb, what] of [['retry', 'Puts set-aside segments back into the queue, to be inserted again.'], ['discard', 'Deletes set-aside segments for good.']] as const) {
    paths[`/api/queue/rejected/${verb}`] = {
      post: {
        summary: `${verb[0].toUpperCase()}${verb.slice(1)} set-aside segments`,
        description: `${what} Answered only to a caller on the collector's own machine.`,
        requestBody: { required: true, content: json(RejectedActionSchema) },
        responses: {
          200: { description: `The segments ${verb === 'retry' ? 'queued again' : 'deleted'}.`, content: json(RejectedListSchema) },
          403: { description: 'Not asked from the collector\'s machine.', content: json(ErrorSchema) },
          404: { description: 'No such segment.', content: json(ErrorSchema) },
          409: { description: 'A segment that cannot be retried (records damaged on disk).', content: json(ErrorSchema) },
        },
      },
    };
  }
  // The registry's and the alerts' routes, from the same declarations their plugins register.
  for (const r of [...Object.values(REGISTRY_ROUTES), ...Object.values(ALERT_ROUTES)] as RouteSpec[]) {
    const path = openApiPath(r.url);
    paths[path] = {
      ...(paths[path] as object | undefined),
      [r.method.toLowerCase()]: {
        summary: r.summary,
        ...(r.ingestKey ? { description: 'Needs an ingest key when keys are configured.' } : {}),
        parameters: [...parameters(r.params, 'path'), ...parameters(r.querystring, 'query')],
        ...(r.body ? { requestBody: { required: true, content: json(r.body) } } : {}),
        responses: { 200: { description: 'The answer.', content: json(r.response) }, '4XX': { description: 'Refused; the message says why.', content: json(ErrorSchema) } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Verdict query API', version: '1', description: 'Is version B of your app better or worse than version A? See docs/queries.md.' },
    paths,
  };
}

export const openApiRoute: FastifyPluginAsync = async (app) => {
  app.get('/api/openapi.json', async () => openApiDocument());
};
