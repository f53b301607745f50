// Decides how a CLI command reaches the data: through a running collector's API (the embedded data
// directory belongs to it), or by opening the data directory itself when no collector runs.
import { resolve } from 'node:path';
import { readCollectorLock } from '../store/data-dir-claim.js';
import { DEFAULT_CONFIG, type VerdictConfig } from '../store/config.js';

export type Target = { kind: 'api'; url: string } | { kind: 'local'; config: VerdictConfig };

export class ApiUnreachableError extends Error {
  readonly code = 'API_UNREACHABLE';
  constructor(url: string, cause: unknown) {
    super(`cannot reach the Verdict API at ${url}: ${(cause as Error).message}`, { cause });
    this.name = 'ApiUnreachableError';
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** The API answered with an error status; the message is the API's own. */
export class ApiError extends Error {
  readonly code = 'API_ERROR';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let apiKey: string | undefined;

/** The read key sent with every API request (from --api-key or VERDICT_API_KEY); one CLI run, one key. */
export function useApiKey(key: string | undefined): void {
  apiKey = key === '' ? undefined : key;
}

/** Headers carrying the read key, for any request to the API (empty when no key is set). */
export function apiKeyHeaders(): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/**
 * An explicit --api (or VERDICT_API_URL) is used as is; otherwise the collector that owns the data
 * directory, else the folder itself. Only when no data directory was chosen is a collector on the
 * default API port asked (it may have been started with a folder of its own); with a chosen folder,
 * that collector would answer about other data.
 */
export async function chooseTarget(explicitApi: string | undefined, config: VerdictConfig): Promise<Target> {
  if (explicitApi) return { kind: 'api', url: explicitApi };
  const owner = readCollectorLock(resolve(config.dataDir));
  if (owner && !owner.apiUrl) throw new Error(`a collector (pid ${owner.pid}) is starting on ${resolve(config.dataDir)}; try again in a moment`);
  if (owner) return { kind: 'api', url: owner.apiUrl };
  // The local collector's API port: 7318 unless --api-port / VERDICT_API_PORT say otherwise.
  const localApi = `http://127.0.0.1:${config.apiPort}`;
  if (config.dataDir === DEFAULT_CONFIG.dataDir && (await answers(localApi))) return { kind: 'api', url: localApi };
  return { kind: 'local', config };
}

/** GET or POST JSON against the API; a non-2xx answer becomes an Error carrying the API's message. */
export async function callApi<T>(baseUrl: string, path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, baseUrl), {
      method: init?.method ?? 'GET',
      headers: { ...apiKeyHeaders(), ...init?.headers, ...(init?.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init?.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
  } catch (err) {
    throw new ApiUnreachableError(baseUrl, err);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: text };
  }
  if (!res.ok) {
    const message = (body as { error?: string }).error ?? `HTTP ${res.status}`;
    const hint = res.status === 401 ? ' (the API needs a read key: --api-key or VERDICT_API_KEY)' : '';
    throw new ApiError(res.status, message + hint);
  }
  return body as T;
}
