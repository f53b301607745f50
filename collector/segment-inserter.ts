// Drains the durable queue into ClickHouse one sealed segment at a time, retrying with backoff
// while the store is unavailable (the queue keeps growing on disk meanwhile, up to its budget).
// A segment is removed from the queue only after its insert succeeded.
// A segment the store refuses for its content is set aside (kept in the queue's rejected/ folder),
// so that one bad batch cannot hold up everything behind it.
import type { DurableQueue, SealedSegment } from './queue/durable-queue.js';
import { BatchRejectedError } from '../store/errors.js';

export interface SegmentInserter {
  /** Inserts everything acknowledged so far, now; resolves when it is all stored. */
  flush(): Promise<void>;
  /** Stops accepting, then inserts what is queued for at most `timeoutMs`; the rest stays queued. */
  close(timeoutMs: number): Promise<void>;
  stats(): InserterStats;
}

export interface InserterStats {
  insertedRows: number;
  insertedSegments: number;
  failedInserts: number;
  /** Segments (and their rows) the store refused for their content, set aside instead of retried. */
  rejectedSegments: number;
  rejectedRows: number;
  lastInsertMs: number;
  lastError?: string;
  /** True while the last insert attempt failed (the store is unavailable). */
  storeFailing: boolean;
  /** When (epoch ms) the current run of failed attempts began; undefined while inserts succeed. */
  failingSinceMs?: number;
}

export interface SegmentInserterOptions {
  queue: DurableQueue;
  insertSegment(dataPath: string, token: string): Promise<void>;
  onError?(err: unknown, attempt: number): void;
  onRejected?(err: unknown, segment: SealedSegment): void;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export function startSegmentInserter(options: SegmentInserterOptions): SegmentInserter {
  const { queue } = options;
  const retryMin = options.retryMinMs ?? 200;
  const retryMax = options.retryMaxMs ?? 5000;
  const stats: InserterStats = { insertedRows: 0, insertedSegments: 0, failedInserts: 0, rejectedSegments: 0, rejectedRows: 0, lastInsertMs: 0, storeFailing: false };
  let stopping = false;
  let wakeRetry: (() => void) | undefined;

  async function drain(): Promise<void> {
    let backoff = retryMin;
    let attempt = 0;
    for (;;) {
      const segment = await queue.next();
      if (!segment || stopping) return;
      const started = performance.now();
      try {
        await options.insertSegment(segment.dataPath, segment.token);
      } catch (err) {
        if (err instanceof BatchRejectedError) {
          await queue.setAside(segment);
          stats.rejectedSegments++;
          stats.rejectedRows += segment.rows;
          stats.lastError = err.message;
          options.onRejected?.(err, segment);
          continue;
        }
        stats.failedInserts++;
        if (!stats.storeFailing) stats.failingSinceMs = Date.now();
        stats.storeFailing = true;
        stats.lastError = (err as Error).message;
        options.onError?.(err, ++attempt);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, backoff);
          wakeRetry = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wakeRetry = undefined;
        backoff = Math.min(backoff * 2, retryMax);
        continue;
      }
      await queue.remove(segment);
      stats.insertedRows += segment.rows;
      stats.insertedSegments++;
      stats.lastInsertMs = performance.now() - started;
      stats.storeFailing = false;
      stats.failingSinceMs = undefined;
      backoff = retryMin;
      attempt = 0;
    }
  }

  const draining = drain();

  return {
    async flush() {
      await queue.sealOpen();
      await queue.whenSealedRemoved();
    },
    async close(timeoutMs) {
      await queue.closeForAppends();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const outcome = await Promise.race([draining.then(() => 'drained' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        // Leave the rest queued for the next start; an insert already running is allowed to finish.
        stopping = true;
        wakeRetry?.();
        await draining;
      }
    },
    stats: () => ({ ...stats }),
  };
}
