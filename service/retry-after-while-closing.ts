// While a fastify server closes, a request arriving on a connection that is still open gets
// fastify's own 503, written before any hook or route runs, and without Retry-After: the sender
// cannot tell how long to wait. This adds the header to that answer (writeHead keeps headers set
// before it), so a client retries later, and elsewhere, instead of at once or never.
import type { FastifyInstance } from 'fastify';

/** Call before the server listens (fastify takes hooks only until then). */
export function retryAfterWhileClosing(app: FastifyInstance, seconds: number): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.server.prependListener('request', (_req, res) => {
    if (closing) res.setHeader('retry-after', String(seconds));
  });
}
