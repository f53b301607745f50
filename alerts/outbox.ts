// A durable outbox for webhook notifications: each message is a file in the data directory,
// written to a temporary name, fsynced and renamed into place, so an alert survives a restart.
// Delivery is one message at a time in order; a failure is retried with exponential backoff; a
// delivered message is removed. Every delivery carries the message id (x-verdict-delivery) so a
// receiver can drop the rare repeat after a crash between its 2xx and the removal.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { syncDirectorySync, writeFileWholeSync } from '../schema/whole-file.js';

export interface OutboxMessage {
  id: string;
  url: string;
  body: unknown;
  createdMs: number;
  /** Sorts messages in the order they were enqueued (also the file's name). */
  order: string;
  attempts: number;
  /** Not sent before this time (backoff, or the end of quiet hours). */
  dueMs: number;
  lastError?: string;
}

export interface OutboxOptions {
  dir: string;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  now?: () => number;
  onError?(message: OutboxMessage, err: string): void;
}

export interface Outbox {
  enqueue(message: { url: string; body: unknown; dueMs?: number }): OutboxMessage;
  /** Sends every due message in order; resolves with how many were delivered. */
  deliverDue(): Promise<{ delivered: number; failed: number }>;
  pending(): OutboxMessage[];
  /** How many messages were delivered since the outbox was opened, by any pass. */
  deliveredCount(): number;
  /** Delivers on a timer until close(). */
  start(intervalMs: number): void;
  close(): Promise<void>;
}

const fileName = (m: OutboxMessage) => `${m.order}-${m.id}.json`;

export function openOutbox(options: OutboxOptions): Outbox {
  const { dir } = options;
  const base = options.baseDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  mkdirSync(dir, { recursive: true });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<{ delivered: number; failed: number }> | undefined;
  let seq = 0;
  let deliveredTotal = 0;

  const pending = (): OutboxMessage[] =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .sort()
      .flatMap((f) => {
        try {
          return [JSON.parse(readFileSync(join(dir, f), 'utf8')) as OutboxMessage];
        } catch {
          return []; // a file being renamed away right now
        }
      });

  async function send(m: OutboxMessage): Promise<string | undefined> {
    try {
      const res = await fetch(m.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-verdict-delivery': m.id },
        body: JSON.stringify(m.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? undefined : `HTTP ${res.status}`;
    } catch (err) {
      return (err as Error).message;
    }
  }

  async function deliver(): Promise<{ delivered: number; failed: number }> {
    let delivered = 0;
    let failed = 0;
    const blocked = new Set<string>();
    for (const m of pending()) {
      // In order per receiver: a later message to a receiver that is down waits for the earlier one.
      if (m.dueMs > now() || blocked.has(m.url)) {
        blocked.add(m.url);
        continue;
      }
      const error = await send(m);
      if (error === undefined) {
        unlinkSync(join(dir, fileName(m)));
        syncDirectorySync(dir);
        delivered++;
        deliveredTotal++;
      } else {
        failed++;
        blocked.add(m.url);
        const next = { ...m, attempts: m.attempts + 1, lastError: error, dueMs: now() + Math.min(max, base * 2 ** m.attempts) };
        writeFileWholeSync(join(dir, fileName(next)), JSON.stringify(next));
        options.onError?.(next, error);
      }
    }
    return { delivered, failed };
  }

  return {
    enqueue({ url, body, dueMs }) {
      const createdMs = now();
      const order = `${String(createdMs).padStart(15, '0')}-${String(seq++ % 1e6).padStart(6, '0')}`;
      const m: OutboxMessage = { id: randomUUID(), url, body, createdMs, order, attempts: 0, dueMs: dueMs ?? now() };
      writeFileWholeSync(join(dir, fileName(m)), JSON.stringify(m));
      return m;
    },
    async deliverDue() {
      // One delivery pass at a time: two passes could send the same message twice. A pass already
      // under way may have listed the messages before the newest were written: wait for it, then
      // run a pass of our own.
      while (running) await running;
      running = deliver().finally(() => (running = undefined));
      return running;
    },
    pending,
    deliveredCount: () => deliveredTotal,
    start(intervalMs) {
      timer = setInterval(() => void this.deliverDue(), intervalMs);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
