// How the question commands reach their answers: the HTTP API of a running collector, or — when
// none runs — the same API routes served in-process over the data directory (fastify's inject), so
// validation, errors and output are identical either way.
import type { VerdictConfig } from '../store/config.js';
import { createApiServer } from '../api/app.js';
import { openStore } from '../store/store.js';
import { applySchema } from '../schema/apply-schema.js';
import { callApi, chooseTarget } from './api-target.js';

export type QueryValue = string | number | boolean | undefined;

/** The in-process API answered with an error status (400 for a bad parameter or filter, 404 for an unknown id). */
export class QuestionError extends Error {
  readonly code = 'QUESTION_FAILED';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'QuestionError';
  }
}

export function pathWithQuery(path: string, query: Record<string, QueryValue>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '' && v !== false) qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

export async function ask<T>(path: string, query: Record<string, QueryValue>, opts: { api?: string; config: VerdictConfig }): Promise<T> {
  const url = pathWithQuery(path, query);
  const target = await chooseTarget(opts.api, opts.config);
  // callApi carries the CLI's read key, if any, and turns an error status into the API's message.
  if (target.kind === 'api') return callApi<T>(target.url, url);
  const store = openStore(target.config);
  // Nothing is batched in this process: flush has nothing to do.
  const app = createApiServer({ client: store.client, readOnlyClient: store.readOnlyClient, flush: async () => {}, logLevel: 'silent' });
  let status: number;
  let text: string;
  try {
    await applySchema(store.client);
    const res = await app.inject({ method: 'GET', url });
    status = res.statusCode;
    text = res.body;
  } finally {
    await app.close();
    await store.close();
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: text };
  }
  if (status < 200 || status >= 300) throw new QuestionError(status, (body as { error?: string }).error ?? `HTTP ${status}`);
  return body as T;
}
