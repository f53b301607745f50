// Asks the Verdict API a question over HTTP — the only way the page reads data. Sends the read key
// when there is one, turns an error answer into an ApiError carrying the server's own message
// (and, for a filter, the position of the mistake), and reports 401/403 to the key prompt.
import { currentKey, requireKey } from './key-store.js';

export type Query = Record<string, string | number | boolean | undefined>;

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    /** Filter syntax errors: 0-based position in the filter, and what was expected there. */
    readonly position?: number,
    readonly expected?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function apiUrl(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '' && v !== false) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

interface ErrorBody {
  error?: unknown;
  code?: unknown;
  position?: unknown;
  expected?: unknown;
}

export async function getJson<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  const key = currentKey();
  let res: Response;
  try {
    res = await fetch(apiUrl(path, query), { headers: key ? { 'x-verdict-api-key': key } : {}, signal, cache: 'no-store' });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(`cannot reach the Verdict API (${(err as Error).message}); is the collector running?`, 0);
  }
  const text = await res.text();
  if (res.ok) return JSON.parse(text) as T;
  let body: ErrorBody = {};
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    // not JSON: a proxy's page, say; the status alone is the message
  }
  const message = typeof body.error === 'string' ? body.error : `${res.status} ${res.statusText}`;
  // A refusal of a key that has since been replaced says nothing about the new one.
  if ((res.status === 401 || res.status === 403) && currentKey() === key) requireKey(message);
  throw new ApiError(
    message,
    res.status,
    typeof body.code === 'string' ? body.code : undefined,
    typeof body.position === 'number' ? body.position : undefined,
    typeof body.expected === 'string' ? body.expected : undefined,
  );
}
