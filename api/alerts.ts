// The alert routes: GET /api/alerts (episodes, newest first, read from the store) and
// POST /api/alerts/check (one watcher pass now, then one delivery pass of the outbox: for CI jobs
// and tests that drive the clock with their own spans).
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyPluginAsync } from 'fastify';
import { readAlerts } from '../alerts/episodes.js';
import type { Outbox } from '../alerts/outbox.js';
import type { Watcher } from '../alerts/watcher.js';
import { HttpError } from './http-error.js';
import { ErrorSchema } from './openapi.js';
import { ALERT_ROUTES, routeOptions } from './route-specs.js';

export interface AlertRoutesOptions {
  client: ClickHouseClient;
  /** Absent when the collector runs without a watcher. */
  watcher?: Watcher;
  outbox?: Outbox;
}

export const alertRoutes: FastifyPluginAsync<AlertRoutesOptions> = async (app, options) => {
  app.get(ALERT_ROUTES.list.url, routeOptions(ALERT_ROUTES.list, ErrorSchema), async (request) => ({ alerts: await readAlerts(options.client, request.query as { state?: 'firing' | 'resolved'; service?: string; limit?: number }) }));

  app.post(ALERT_ROUTES.check.url, routeOptions(ALERT_ROUTES.check, ErrorSchema), async () => {
    if (!options.watcher || !options.outbox) throw new HttpError(404, 'this collector runs no alert watcher');
    // Delivered: what any pass (this one, or the background one, which may run while the watcher
    // writes its alerts) sent between the start of the check and the end of its delivery pass.
    const before = options.outbox.deliveredCount();
    const summary = await options.watcher.check();
    await options.outbox.deliverDue();
    return { ...summary, delivered: options.outbox.deliveredCount() - before, pending: options.outbox.pending().length };
  });
};
