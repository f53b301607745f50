// POST /api/feedback: assessments of traces (MLflow's assessment shape or Langfuse's score shape;
// quality/assessment.ts), with an ingest key. On a running collector a request is acknowledged
// (200) once its assessments are on disk in their durable queue, as spans are; without a queue it
// is answered once stored. 400 names the field that is wrong (nothing of a bad request is queued),
// 503 when they cannot be taken now (retry later), 413 when one request exceeds the whole queue.
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyPluginAsync } from 'fastify';
import { AssessmentInputError, parseAssessments, type AssessmentRow } from '../quality/assessment.js';
import { insertAssessments } from '../quality/assessment-store.js';

/** Where accepted assessments go on a running collector: resolves once they are durable on disk. */
export interface AssessmentSink {
  append(rows: readonly AssessmentRow[]): Promise<void>;
}

export interface FeedbackOptions {
  client: ClickHouseClient;
  /** The feedback queue; absent, each request is inserted synchronously. */
  queue?: AssessmentSink;
}

/** The one path the API answers with an ingest key instead of a read key. */
export const FEEDBACK_PATH = '/api/feedback';

/** Seconds a refused sender is told to wait. */
const RETRY_AFTER_SECONDS = 2;

export const feedbackRoutes: FastifyPluginAsync<FeedbackOptions> = async (app, options) => {
  app.post(FEEDBACK_PATH, async (request, reply) => {
    let rows;
    try {
      rows = parseAssessments(request.body);
    } catch (err) {
      if (err instanceof AssessmentInputError) return reply.code(400).send({ error: err.message, field: err.field, statusCode: 400 });
      throw err;
    }
    try {
      if (options.queue) await options.queue.append(rows);
      else {
        const raw = Array.isArray(request.body) ? request.body : [request.body];
        const clientIds = raw.every((r) => typeof r === 'object' && r !== null && ('assessment_id' in r || 'id' in r));
        await insertAssessments(options.client, rows, { clientIds });
      }
    } catch (err) {
      // The queue's refusals carry a code (collector/queue/errors.ts); one request larger than the
      // whole queue can never be taken, anything else can later.
      if ((err as { code?: unknown }).code === 'RECORD_TOO_LARGE') return reply.code(413).send({ error: (err as Error).message, statusCode: 413 });
      request.log.warn({ err: (err as Error).message }, 'feedback could not be taken');
      return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send({ error: `the feedback could not be taken now: ${(err as Error).message}`, statusCode: 503 });
    }
    return { accepted: rows.length, ids: rows.map((r) => r.AssessmentId) };
  });
};
