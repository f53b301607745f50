// The lease-lock holders a collector claimed with, kept in its data directory: a collector that
// restarts after dying with a lock finds its earlier run's holder there and takes the lock back at
// once, instead of waiting a lease for its own old claim (schema/lease-lock.ts).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileWhole } from './whole-file.js';

export interface HolderFile {
  /** Holders of this lock name recorded by earlier runs (other processes) of this collector. */
  earlier(name: string): Promise<Set<string>>;
  /** Records a holder this run just claimed a lock with. */
  record(name: string, holder: string): Promise<void>;
}

interface Entry {
  name: string;
  holder: string;
  run: string;
}

/** One per process: a sibling lock of this run is alive, never an earlier run's. */
const THIS_RUN: string = randomUUID();
/** A bound on the file: the newest claims are the only ones a restart can find still held. */
const KEEP = 50;

export function createHolderFile(path: string, run = THIS_RUN): HolderFile {
  async function read(): Promise<Entry[]> {
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
      return Array.isArray(parsed) ? parsed.filter((e): e is Entry => typeof e?.name === 'string' && typeof e?.holder === 'string' && typeof e?.run === 'string') : [];
    } catch {
      // None yet, or cut short by a crash while written: nothing to reclaim, the lease decides.
      return [];
    }
  }
  let writing: Promise<void> = Promise.resolve();
  return {
    async earlier(name) {
      return new Set((await read()).filter((e) => e.name === name && e.run !== run).map((e) => e.holder));
    },
    record(name, holder) {
      // One write at a time, each whole: a restart must find the holder it claimed with.
      const next = writing.then(async () => {
        const entries = [...(await read()).filter((e) => e.holder !== holder), { name, holder, run }].slice(-KEEP);
        await writeFileWhole(path, JSON.stringify(entries));
      });
      writing = next.catch(() => {});
      return next;
    },
  };
}
