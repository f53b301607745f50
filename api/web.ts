// The web page on the API port: the shell (index.html) and its bundle, built from web/ into
// dist/web by `npm run build`. Served with a strict Content-Security-Policy so that only our own
// script runs whatever the data holds; the page itself reads everything through /api/*.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { PACKAGE_ROOT } from '../schema/sql-files.js';

export interface WebPageOptions {
  /** The built page (index.html and assets/); dist/web in the package by default. */
  dir?: string;
}

/** The files of the page: they answer without a read key, since the page must load before it can ask for one. */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/assets/verdict.js': { file: 'assets/verdict.js', type: 'text/javascript; charset=utf-8' },
  '/assets/verdict.css': { file: 'assets/verdict.css', type: 'text/css; charset=utf-8' },
  '/assets/icon.svg': { file: 'assets/icon.svg', type: 'image/svg+xml' },
};

export const WEB_PAGE_PATHS: readonly string[] = Object.keys(FILES);

// No inline script or style, nothing from another origin, and Trusted Types so that even a
// mistaken innerHTML with a string throws instead of parsing markup out of someone's span name.
export const WEB_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

export const webPage: FastifyPluginAsync<WebPageOptions> = async (app, options) => {
  const dir = options.dir ?? join(PACKAGE_ROOT, 'dist', 'web');
  const built = existsSync(join(dir, 'index.html'));
  for (const [path, { file, type }] of Object.entries(FILES)) {
    // Read once at start: the bundle is small and fixed for the life of the process.
    const body = built && existsSync(join(dir, file)) ? readFileSync(join(dir, file)) : null;
    const etag = body ? `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` : '';
    app.get(path, async (request, reply) => {
      reply.header('content-security-policy', WEB_PAGE_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
      if (!body) {
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('The web page is not built. Run `npm run build` (npm install does it too), then restart `verdict serve`.\n');
      }
      // Fixed file names: the browser revalidates each time and gets a 304 while nothing changed.
      reply.header('cache-control', 'no-cache').header('etag', etag);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.type(type).send(body);
    });
  }
};
