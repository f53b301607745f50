// The alert routes: GET /api/alerts (episodes, newest first, read from the store) and
// POST /api/alerts/check (one watcher pass now, then one delivery pass of the outbox: for CI jobs
// and tests that drive the clock with their own spans).
import type { ClickHouseClient } from '@clickhouse/client';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AlertSchema, readAlerts } from '../alerts/episodes.js';
import type { Outbox } from '../alerts/outbox.js';
import type { Watcher } from '../alerts/watcher.js';
import { answer } from '../queries/question.js';
import { HttpError } from './http-error.js';
import { ErrorSchema } from './openapi.js';

export interface AlertRoutesOptions {
  client: ClickHouseClient;
  /** Absent when the collector runs without a watcher. */
  watcher?: Watcher;
  outbox?: Outbox;
}

export const alertRoutes: FastifyPluginAsync<AlertRoutesOptions> = async (app, options) => {
  app.get('/api/alerts', {
    schema: {
      querystring: Type.Object({
        state: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved')])),
        service: Type.Optional(Type.String()),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
      }, { additionalProperties: false }),
      response: { 200: answer({ alerts: Type.Array(AlertSchema) }), '4xx': ErrorSchema },
    },
  }, async (request) => ({ alerts: await readAlerts(options.client, request.query as { state?: 'firing' | 'resolved'; service?: string; limit?: number }) }));

  app.post('/api/alerts/check', {
    schema: {
      response: {
        200: answer({ looks: Type.Integer(), opened: Type.Array(AlertSchema), resolved: Type.Array(AlertSchema), delivered: Type.Integer(), pending: Type.Integer() }),
        '4xx': ErrorSchema,
      },
    },
  }, async () => {
    if (!options.watcher || !options.outbox) throw new HttpError(404, 'this collector runs no alert watcher');
    const summary = await options.watcher.check();
    const { delivered } = await options.outbox.deliverDue();
    return { ...summary, delivered, pending: options.outbox.pending().length };
  });
};
