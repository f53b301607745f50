// GET /api/openapi.json: the OpenAPI 3.1 document of the query API, built from the same question
// declarations the routes are (JSON Schema 2020-12 is OpenAPI 3.1's own schema language, so the
// declared parameter and answer schemas are used as they are).
import type { FastifyPluginAsync } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { QUESTION_LIST } from '../queries/questions.js';

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
  for (const q of QUESTION_LIST) {
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
  return {
    openapi: '3.1.0',
    info: { title: 'Verdict query API', version: '1', description: 'Is version B of your app better or worse than version A? See docs/queries.md.' },
    paths,
  };
}

export const openApiRoute: FastifyPluginAsync = async (app) => {
  app.get('/api/openapi.json', async () => openApiDocument());
};
