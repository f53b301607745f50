// The read key, when the collector asks for one: kept in this tab's sessionStorage only (gone when
// the tab closes; never in localStorage, never in a URL) and sent as a header. Listeners hear when
// a key is needed (the API said 401/403) and when a new one was entered (so answers are asked again).
const STORAGE_KEY = 'verdict.readKey';

export interface KeyState {
  /** Why the page needs a (new) key, or null while it has what it needs. */
  needed: string | null;
  /** Bumped when a key is entered: every question is asked again with it. */
  epoch: number;
}

let state: KeyState = { needed: null, epoch: 0 };
let memoryKey: string | null = null;
const listeners = new Set<(s: KeyState) => void>();

function set(next: KeyState): void {
  state = next;
  for (const l of listeners) l(state);
}

export function readKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the key is asked for again on every load
  }
}

export function keyState(): KeyState {
  return state;
}

export function subscribeKey(listener: (s: KeyState) => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export function requireKey(reason: string): void {
  if (state.needed !== reason) set({ ...state, needed: reason });
}

export function saveKey(key: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Without storage the key lives only in this module until the page is reloaded.
  }
  memoryKey = key;
  set({ needed: null, epoch: state.epoch + 1 });
}

/** The key to send: the stored one, or the one entered while storage is unavailable. */
export function currentKey(): string | null {
  return readKey() ?? memoryKey;
}
