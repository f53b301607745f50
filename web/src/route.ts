// The page's state lives in the URL's query string (/?view=compare&baseline=…): a view can be
// pasted into a pull request or a chat and opens the same way. Navigation pushes history entries
// so Back works; the hook re-renders whoever reads the route when it changes.
import { useEffect, useState } from 'preact/hooks';

export const VIEWS = ['overview', 'compare', 'time', 'deployments', 'errors', 'sessions', 'session', 'trace', 'search', 'version', 'alerts'] as const;
export type View = (typeof VIEWS)[number];

/** URL parameters, already decoded; absent ones are undefined. */
export type Params = Readonly<Record<string, string | undefined>>;

/** The scope every view shares (service, environment, time range): kept when moving between views. */
export const SCOPE_KEYS = ['service', 'env', 'from', 'to'] as const;

// A fixed order makes the same state give the same URL.
const ORDER = ['view', 'id', ...SCOPE_KEYS, 'baseline', 'candidate', 'baselineFilter', 'candidateFilter', 'align', 'by', 'version', 'filter', 'refresh'];

export function viewOf(params: Params): View {
  return (VIEWS as readonly string[]).includes(params.view ?? '') ? (params.view as View) : 'overview';
}

export function readParams(search = window.location.search): Params {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search)) if (v !== '') out[k] = v;
  return out;
}

export function hrefFor(params: Params): string {
  const keys = Object.keys(params).filter((k) => params[k] !== undefined && params[k] !== '');
  keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const q = new URLSearchParams();
  for (const k of keys) if (!(k === 'view' && params[k] === 'overview')) q.set(k, params[k]!);
  const s = q.toString();
  return s ? `/?${s}` : '/';
}

function rank(key: string): number {
  const i = ORDER.indexOf(key);
  return i < 0 ? ORDER.length : i;
}

/** Params for another view with the current scope kept (unless `next` overrides it). */
export function withScope(current: Params, next: Params): Params {
  const scope: Record<string, string | undefined> = {};
  for (const k of SCOPE_KEYS) scope[k] = current[k];
  return { ...scope, ...next };
}

const listeners = new Set<() => void>();

export function navigate(params: Params, options: { replace?: boolean } = {}): void {
  const href = hrefFor(params);
  if (href === `${window.location.pathname}${window.location.search}`) return;
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  for (const l of listeners) l();
}

window.addEventListener('popstate', () => {
  for (const l of listeners) l();
});

export function useParams(): Params {
  const [params, setParams] = useState(readParams);
  useEffect(() => {
    const update = () => setParams(readParams());
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return params;
}

/** The shared scope as API query parameters (the API calls the environment `env` too). */
export function scopeQuery(params: Params): Record<string, string | undefined> {
  return { service: params.service, env: params.env, from: params.from, to: params.to };
}
