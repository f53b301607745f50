// The window span settles hand to the next feedback settle: a run after an insert settles traces
// but leaves their feedback (store/feedback-settle.ts) to the next run that settles it, which
// covers every window handed to it since the last. Kept in a file of the data directory, written
// before the span settle it covers, so that a restart after a crash (SIGKILL) covers it too.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileWhole } from '../schema/whole-file.js';

export interface FeedbackCarry {
  /** The earliest window start not covered by a feedback settle yet (none: nothing carried). */
  earliest(): Promise<string | undefined>;
  /** Before a span settle from `since`: the carried window reaches back to it, on disk first. */
  extend(since: string): Promise<void>;
  /** After a feedback settle that covered everything carried: nothing is left. */
  clear(): Promise<void>;
}

/** The carried window's file in a collector's data directory (beside lock-holders.json). */
export function feedbackCarryFileIn(dataDir: string): string {
  return join(dataDir, 'feedback-carried.json');
}

/** A window start as the engine prints a DateTime64(3); the file holds one, or nothing. */
const WINDOW_START = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;
/** An unreadable file covers everything once: re-attributing all feedback again changes nothing. */
const EVERYTHING = '1970-01-01 00:00:00.000';

/** `file` absent (a settler without a data directory: benches, tests): carried in memory only. */
export function createFeedbackCarry(file?: string): FeedbackCarry {
  let loaded = file === undefined;
  let carried: string | undefined;

  async function load(): Promise<void> {
    if (loaded) return;
    loaded = true;
    let text: string;
    try {
      text = await readFile(file!, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      carried = EVERYTHING;
      return;
    }
    let since: unknown;
    try {
      since = (JSON.parse(text) as { since?: unknown } | null)?.since;
    } catch {
      since = undefined;
    }
    carried = typeof since === 'string' && WINDOW_START.test(since) ? since : EVERYTHING;
  }

  async function store(): Promise<void> {
    if (file === undefined) return;
    if (carried === undefined) {
      await rm(file, { force: true });
      return;
    }
    // Whole or not at all, even on a power loss (a write happens once per carried window, when it
    // first reaches back, so at most once a beat).
    await writeFileWhole(file, `${JSON.stringify({ since: carried })}\n`);
  }

  return {
    async earliest() {
      await load();
      return carried;
    },
    async extend(since) {
      await load();
      // Window starts are DateTime64 strings of one width: their order is the strings' order.
      if (carried !== undefined && carried <= since) return;
      carried = since;
      await store();
    },
    async clear() {
      await load();
      if (carried === undefined) return;
      carried = undefined;
      await store();
    },
  };
}
