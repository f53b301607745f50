// /api/queue/rejected: the durable queue's set-aside segments (batches the store refused, segments
// kept as evidence of disk damage), and what an operator does about them: retry one (it goes back
// into the queue and is inserted again) or discard it. Listing is a read like any API route;
// retry and discard change what the collector holds, so they are answered only to a caller on the
// collector's own machine (as `verdict queue rejected` is).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { isLoopbackHost } from '../auth/api-keys.js';
import { HttpError } from './http-error.js';
import { ErrorSchema } from './openapi.js';

export const RejectedSegmentSchema = Type.Object({
  id: Type.String({ description: 'The segment\'s name, seg-<sequence>-<run id>: what retry and discard take.' }),
  rows: Type.Integer({ description: 'Spans in its records whose bytes still match their checksum.' }),
  records: Type.Integer({ description: 'Export requests (queue records) in it.' }),
  damagedRecords: Type.Integer({ description: 'Records failing their checksum (disk damage); such a segment cannot be retried.' }),
  bytes: Type.Integer({ description: 'Its files\' size on disk, counted against --queue-max-bytes.' }),
  setAsideAt: Type.String({ description: 'When it was set aside (ISO 8601).' }),
});
export type RejectedSegment = Static<typeof RejectedSegmentSchema>;

export const RejectedListSchema = Type.Object({
  segments: Type.Array(RejectedSegmentSchema),
  bytes: Type.Integer({ description: 'Their bytes on disk together.' }),
});

export const RejectedActionSchema = Type.Object({
  ids: Type.Optional(Type.Array(Type.String(), { description: 'Segments by id.' })),
  all: Type.Optional(Type.Boolean({ description: 'Every set-aside segment.' })),
}, { additionalProperties: false });

export interface RejectedOptions {
  list(): RejectedSegment[];
  /** Puts one back into the queue; throws an error with code REJECTED_SEGMENT when it cannot be. */
  retry(id: string): RejectedSegment;
  /** Deletes one for good. */
  discard(id: string): RejectedSegment;
}

export const rejectedRoutes: FastifyPluginAsync<RejectedOptions> = async (app, options) => {
  app.setErrorHandler(async (err: Error & { statusCode?: number; reason?: string }, request, reply) => {
    // Checked up front below; a race with the inserter (the segment went meanwhile) lands here.
    const status = err instanceof HttpError ? err.statusCode : (err as { code?: string }).code === 'REJECTED_SEGMENT' ? (err.reason === 'unknown' ? 404 : 409) : (err.statusCode ?? 500);
    if (status >= 500) request.log.error({ err }, 'set-aside segments request failed');
    return reply.code(status).send({ error: err.message, statusCode: status });
  });

  const listed = () => {
    const segments = options.list();
    return { segments, bytes: segments.reduce((n, s) => n + s.bytes, 0) };
  };
  app.get('/api/queue/rejected', { schema: { response: { 200: RejectedListSchema, '4xx': ErrorSchema } } }, async () => listed());

  const act = (verb: 'retry' | 'discard', run: (id: string) => RejectedSegment) =>
    app.post<{ Body: Static<typeof RejectedActionSchema> }>(
      `/api/queue/rejected/${verb}`,
      { schema: { body: RejectedActionSchema, response: { 200: RejectedListSchema, '4xx': ErrorSchema } } },
      async (request) => {
        if (!isLoopbackHost(request.socket.remoteAddress ?? '')) {
          throw new HttpError(403, `${verb} changes what the collector holds: ask from the collector's own machine (verdict queue rejected ${verb})`);
        }
        const { segments } = listed();
        const ids = request.body.all ? segments.map((s) => s.id) : (request.body.ids ?? []);
        if (!request.body.all && ids.length === 0) throw new HttpError(400, `name the segments to ${verb} ("ids"), or send "all": true`);
        const unknown = ids.filter((id) => !segments.some((s) => s.id === id));
        if (unknown.length > 0) throw new HttpError(404, `no set-aside segment ${unknown.join(', ')} (GET /api/queue/rejected lists them)`);
        const done = ids.map(run);
        return { segments: done, bytes: done.reduce((n, s) => n + s.bytes, 0) };
      },
    );
  act('retry', (id) => options.retry(id));
  act('discard', (id) => options.discard(id));
};
