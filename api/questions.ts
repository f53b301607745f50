// The question routes (/api/versions, /api/compare, …), one per declaration in queries/questions.ts:
// the declared parameters validate the query string (an unknown or bad one is a 400 naming it) and
// the declared answer is the response schema, so a field the declaration lacks cannot leak out and
// a missing one fails the request instead of passing silently.
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FilterSyntaxError } from '../queries/filter-parser.js';
import type { Question } from '../queries/question.js';
import { QUESTION_LIST } from '../queries/questions.js';
import { QueryInputError } from '../queries/run-query.js';
import { HttpError } from './http-error.js';
import { ErrorSchema } from './openapi.js';

export interface QuestionRoutesOptions {
  client: ClickHouseClient;
}


export const questionRoutes: FastifyPluginAsync<QuestionRoutesOptions> = async (app, options) => {
  // Encapsulated in this plugin: the answers of these routes only.
  app.setErrorHandler(questionErrorHandler);
  for (const question of QUESTION_LIST) questionRoute(app, question, options.client);
};

/** How a question route answers an error (also used by the registry's question route). */
export async function questionErrorHandler(
  this: unknown,
  err: Error & { statusCode?: number },
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.message, statusCode: err.statusCode });
  if (err instanceof FilterSyntaxError) {
    return reply.code(400).send({ error: err.message, statusCode: 400, code: err.code, position: err.position, expected: err.expected });
  }
  if (err instanceof QueryInputError) return reply.code(400).send({ error: err.message, statusCode: 400, code: err.code });
  const status = err.statusCode ?? 500;
  if (status >= 500) request.log.error({ err }, 'question failed');
  return reply.code(status).send({ error: err.message, statusCode: status });
}

/** One question's GET route, its parameters and answer from the declaration. */
export function questionRoute(app: Parameters<FastifyPluginAsync>[0], question: Question, client: ClickHouseClient): void {
  const known = new Set(Object.keys(question.params.properties));
  app.get(
    question.path,
    {
      schema: {
        querystring: question.params,
        ...(question.pathParams ? { params: question.pathParams } : {}),
        response: { 200: question.response, '4xx': ErrorSchema },
      },
      // fastify drops unknown query parameters silently; a typo (enviroment=) should be an error.
      preValidation: async (request) => {
        const unknown = Object.keys(request.query as object).filter((k) => !known.has(k));
        if (unknown.length > 0) {
          const expected = known.size > 0 ? `; expected ${[...known].join(', ')}` : '; this route takes none';
          throw new HttpError(400, `unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}${expected}`);
        }
      },
    },
    async (request) => {
      const result = await question.run(client, request.query as never, (request.params ?? {}) as Record<string, string>);
      if (result === null) throw new HttpError(404, question.notFound ?? 'not found');
      return result;
    },
  );
}
