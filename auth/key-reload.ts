// Keys change without a restart: on request (SIGHUP) and whenever the keys file changes, they are
// read again and swapped in whole. A request already past the key check carries on; the next is
// decided with the new keys. Keys that cannot be loaded (a file half-written, unreadable, a weak
// key, or none left on a non-loopback address) are refused, saying why, and the old keys stay.
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { assertSafeBind, loadApiKeys, type ApiKeys, type KeySources } from './api-keys.js';

export interface ReloadingApiKeys extends ApiKeys {
  /** Reads the keys again now; throws (ApiKeyConfigError, InsecureBindError) and keeps the old ones if they cannot be used. */
  reload(): void;
  /** From now on reloads whenever the keys file changes (if there is one), reporting each outcome. */
  watch(onReload: (result: { keys: ApiKeys } | { err: Error }) => void): void;
  /** Stops watching the keys file. */
  close(): void;
}

export interface KeyBind {
  /** Where the collector listens, and whether it may do so without keys: the bind rule holds after a reload too. */
  host: string;
  insecure: boolean;
}

/** Changes to the file within this time are read once (an editor writes in several steps). */
const DEBOUNCE_MS = 100;

/** The keys now, reloadable from `sources`; throws like loadApiKeys (or assertSafeBind) at first. */
export function reloadingApiKeys(sources: KeySources, bind: KeyBind): ReloadingApiKeys {
  const load = () => {
    const keys = loadApiKeys(sources);
    assertSafeBind(bind.host, keys, bind.insecure);
    return keys;
  };
  let current = load();
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    get enabled() {
      return current.enabled;
    },
    get counts() {
      return current.counts;
    },
    roles: (key) => current.roles(key),
    nameOf: (key) => current.nameOf?.(key),
    reload() {
      current = load();
    },
    watch(onReload) {
      if (!sources.keysFile || watcher) return;
      // The folder, not the file: editors replace the file (a rename), which a watch on the file
      // itself would lose, and a Kubernetes secret mount swaps a symlink beside it. Any change
      // there counts, but only a change of the file's content reloads.
      const file = resolve(sources.keysFile);
      let seen = contentOf(file);
      try {
        watcher = watchFolder(dirname(file), () => {
          const now = contentOf(file);
          if (now === seen) return;
          seen = now;
          try {
            current = load();
            onReload({ keys: current });
          } catch (err) {
            onReload({ err: err as Error });
          }
        });
      } catch (err) {
        // No watch (the system's limit on watches, say): SIGHUP still reloads.
        onReload({ err: new Error(`cannot watch ${file} for changes (${(err as Error).message}); reload the keys with SIGHUP`) });
        return;
      }
      watcher.on('error', (err) => onReload({ err }));
    },
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };

  /** Calls `changed` once per burst of changes in `folder`. */
  function watchFolder(folder: string, changed: () => void): FSWatcher {
    return watch(folder, () => {
      clearTimeout(timer);
      timer = setTimeout(changed, DEBOUNCE_MS);
    });
  }
}

/** A digest of the file's bytes as they are now ('' when it cannot be read). */
function contentOf(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return '';
  }
}
