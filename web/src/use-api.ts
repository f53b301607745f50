// One question to the API as component state: the answer, the error (shown where the answer would
// be, so one failing call never takes the rest of the page down), and a reload for auto-refresh.
// A new question aborts the previous one; entering a read key asks every question again.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, apiUrl, getJson, type Query } from './api-client.js';
import { keyState, subscribeKey } from './key-store.js';

export interface ApiState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
}

interface Held<T> {
  url: string | null;
  data: T | null;
  error: ApiError | null;
  loading: boolean;
}

function useKeyEpoch(): number {
  const [epoch, setEpoch] = useState(keyState().epoch);
  useEffect(() => subscribeKey((s) => setEpoch(s.epoch)), []);
  return epoch;
}

// Answers several components ask for (the version pickers' list) are fetched once and shared for
// a while. They are asked only once the questions the view itself is waiting for are answered:
// on two cores, a second query running beside the view's own one delays it by half.
const SHARED_FOR_MS = 30_000;
const shared = new Map<string, { at: number; answer: Promise<unknown> }>();
let viewQuestionsInFlight = 0;
let onViewIdle: Array<() => void> = [];

function viewQuestion<T>(answer: Promise<T>): Promise<T> {
  viewQuestionsInFlight++;
  const done = () => {
    if (--viewQuestionsInFlight === 0) for (const f of onViewIdle.splice(0)) f();
  };
  answer.then(done, done);
  return answer;
}

/** Resolves when no view question is in flight, looking only after this render's effects have all started theirs. */
function viewIdle(): Promise<void> {
  return new Promise((resolve) =>
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (viewQuestionsInFlight === 0) resolve();
        else onViewIdle.push(resolve);
      }, 0),
    ),
  );
}

function sharedAnswer<T>(key: string, fresh: boolean, ask: () => Promise<T>): Promise<T> {
  const held = shared.get(key);
  if (held && !fresh && Date.now() - held.at < SHARED_FOR_MS) return held.answer as Promise<T>;
  const answer = viewIdle().then(ask);
  shared.set(key, { at: Date.now(), answer });
  answer.catch(() => shared.delete(key));
  return answer;
}

/**
 * `path` null asks nothing (a view still missing its inputs). `share`: one request for every
 * component asking the same, made after the view's own questions.
 */
export function useApi<T>(path: string | null, query: Query = {}, options: { share?: boolean } = {}): ApiState<T> {
  const url = path === null ? null : apiUrl(path, query);
  const epoch = useKeyEpoch();
  const [tick, setTick] = useState(0);
  const [held, setHeld] = useState<Held<T>>({ url: null, data: null, error: null, loading: path !== null });

  useEffect(() => {
    if (url === null || path === null) return;
    const abort = new AbortController();
    // The same question again (auto-refresh) keeps showing its last answer meanwhile.
    setHeld((h) => (h.url === url ? { ...h, loading: true } : { url, data: null, error: null, loading: true }));
    const answer = options.share ? sharedAnswer(`${epoch} ${url}`, tick > 0, () => getJson<T>(path, query)) : viewQuestion(getJson<T>(path, query, abort.signal));
    answer.then(
      (data) => setHeld({ url, data, error: null, loading: false }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        const error = err instanceof ApiError ? err : new ApiError((err as Error).message ?? String(err), 0);
        setHeld({ url, data: null, error, loading: false });
      },
    );
    return () => abort.abort();
    // `url` already encodes path and query, so they are not listed again.
  }, [url, epoch, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = held.url === url;
  return {
    data: current ? held.data : null,
    error: current ? held.error : null,
    loading: url !== null && (!current || held.loading),
    reload,
  };
}
