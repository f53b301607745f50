// POST /api/feedback: assessments of traces (MLflow's assessment shape or Langfuse's score shape;
// quality/assessment.ts), with an ingest key. Answered 200 once stored, 400 naming the field that
// is wrong (nothing of a bad request is stored), 503 when the store cannot take them now.
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyPluginAsync } from 'fastify';
import { AssessmentInputError, parseAssessments } from '../quality/assessment.js';
import { insertAssessments } from '../quality/assessment-store.js';

export interface FeedbackOptions {
  client: ClickHouseClient;
}

/** The one path the API answers with an ingest key instead of a read key. */
export const FEEDBACK_PATH = '/api/feedback';

export const feedbackRoutes: FastifyPluginAsync<FeedbackOptions> = async (app, options) => {
  app.post(FEEDBACK_PATH, async (request, reply) => {
    let rows;
    try {
      rows = parseAssessments(request.body);
    } catch (err) {
      if (err instanceof AssessmentInputError) return reply.code(400).send({ error: err.message, field: err.field, statusCode: 400 });
      throw err;
    }
    const raw = Array.isArray(request.body) ? request.body : [request.body];
    const clientIds = raw.every((r) => typeof r === 'object' && r !== null && ('assessment_id' in r || 'id' in r));
    try {
      await insertAssessments(options.client, rows, { clientIds });
    } catch (err) {
      request.log.warn({ err: (err as Error).message }, 'feedback could not be stored');
      return reply.code(503).header('retry-after', '2').send({ error: `the store could not take the feedback now: ${(err as Error).message}`, statusCode: 503 });
    }
    return { accepted: rows.length, ids: rows.map((r) => r.AssessmentId) };
  });
};
