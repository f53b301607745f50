// Asks one question where the data is: through a running collector's HTTP API, or, with no
// collector running, straight from the data directory (or server) in a read-only local mode that
// calls the question's own function and never applies a migration.
import type { Static, TSchema } from '@sinclair/typebox';
import { resolve } from 'node:path';
import type { Question } from '../queries/question.js';
import { schemaStatus } from '../schema/apply-schema.js';
import type { VerdictConfig } from '../store/config.js';
import { NoStoreError } from '../store/errors.js';
import type { Store } from '../store/store.js';
import { callApi, chooseTarget } from './target.js';

/** How a command reaches the data: an explicit API URL, or the configured folder / server. */
export interface Reach {
  api?: string;
  config: VerdictConfig;
}

export class NotFoundError extends Error {
  readonly code = 'NOT_FOUND';
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

type Params = Record<string, string | number | boolean | undefined>;

/** The question's route with its path parameters filled in and its parameters as a query string. */
function url(question: Question, params: Params, path: Record<string, string>): string {
  const filled = question.path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(path[name]));
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '' && v !== false) query.set(k, String(v));
  const qs = query.toString();
  return qs ? `${filled}?${qs}` : filled;
}

export async function ask<R extends TSchema>(question: Question<never, R> | Question, params: Params, path: Record<string, string>, reach: Reach): Promise<Static<R>> {
  const target = await chooseTarget(reach.api, reach.config);
  if (target.kind === 'api') return callApi<Static<R>>(target.url, url(question as Question, params, path));
  return withLocalStore(target.config, async (store) => {
    const answer = await (question as Question).run(store.client, params as never, path);
    if (answer === null) throw new NotFoundError(question.notFound ?? 'not found');
    return answer as Static<R>;
  });
}

/**
 * Opens the data where it lies for reading only: a folder that does not exist stays uncreated, one
 * without Verdict's schema or with migrations this version would apply is refused with what to do.
 */
export async function withLocalStore<T>(config: VerdictConfig, work: (store: Store) => Promise<T>): Promise<T> {
  // The engine is loaded only when a command reads the data itself (not for the API or --help).
  const { openStore } = await import('../store/store.js');
  const store = openStore(config, { existingOnly: true });
  try {
    const where = config.clickhouseUrl ? store.location : resolve(config.dataDir);
    const status = await schemaStatus(store.client);
    if (!status.present) throw new NoStoreError(`${where} holds no Verdict data (no schema); start \`verdict serve\` on it first, or pass --data-dir or --api`);
    if (status.pending.length > 0) {
      throw new NoStoreError(
        `${where} was written by an older Verdict (${status.pending.length} schema migration${status.pending.length === 1 ? '' : 's'} to apply: ${status.pending.join(', ')}); ` +
          'reading commands never change it: run `verdict serve` on it once to upgrade it',
      );
    }
    return await work(store);
  } finally {
    await store.close();
  }
}
