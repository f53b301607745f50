// Gathers the rows of many OTLP requests into large batches (by row count or age) and inserts one
// batch at a time. write() resolves only when the rows are stored, so a receiver can acknowledge
// its request; this is also the seam where the durable queue slots in.
import { randomUUID } from 'node:crypto';
import type { EncodedRows } from './span-rows.js';

export interface SpanSink {
  /** Resolves once the rows are stored; rejects with OverloadedError or the insert's error. */
  write(rows: EncodedRows): Promise<void>;
  /** Inserts whatever is waiting and stops accepting writes. */
  close(): Promise<void>;
  stats(): BatchWriterStats;
}

export interface BatchWriterOptions {
  insert: (bytes: Buffer, dedupToken: string) => Promise<void>;
  maxRows: number;
  maxDelayMs: number;
  /** Bytes waiting (queued or being inserted) above which write() refuses with OverloadedError. */
  maxPendingBytes: number;
}

export interface BatchWriterStats {
  insertedRows: number;
  insertedBatches: number;
  failedBatches: number;
  pendingRows: number;
  pendingBytes: number;
  lastInsertMs: number;
}

/** Too much is waiting to be stored: the sender should retry later (HTTP 503 / gRPC UNAVAILABLE). */
export class OverloadedError extends Error {
  readonly code = 'OVERLOADED';
  constructor(message: string) {
    super(message);
    this.name = 'OverloadedError';
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export function createBatchWriter(options: BatchWriterOptions): SpanSink {
  const instance = randomUUID();
  let seq = 0;
  let chunks: Buffer[] = [];
  let waiters: Waiter[] = [];
  let rows = 0;
  let bytes = 0;
  let inflightBytes = 0;
  let inflight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const stats: BatchWriterStats = {
    insertedRows: 0,
    insertedBatches: 0,
    failedBatches: 0,
    pendingRows: 0,
    pendingBytes: 0,
    lastInsertMs: 0,
  };

  function schedule(): void {
    if (rows >= options.maxRows) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (!inflight) void flushOne();
    } else if (!timer && rows > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        if (!inflight) void flushOne();
      }, options.maxDelayMs);
    }
  }

  async function flushOne(): Promise<void> {
    if (rows === 0) return;
    const batch = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes);
    const batchWaiters = waiters;
    const batchRows = rows;
    chunks = [];
    waiters = [];
    rows = 0;
    bytes = 0;
    inflightBytes = batch.length;
    const started = performance.now();
    inflight = options.insert(batch, `${instance}-${++seq}`).then(
      () => {
        stats.insertedRows += batchRows;
        stats.insertedBatches++;
        stats.lastInsertMs = performance.now() - started;
        for (const w of batchWaiters) w.resolve();
      },
      (err) => {
        stats.failedBatches++;
        for (const w of batchWaiters) w.reject(err);
      },
    );
    await inflight;
    inflight = undefined;
    inflightBytes = 0;
    // Rows that arrived during the insert are already a batch (group commit): insert them right away,
    // so under load each insert carries everything that queued behind the previous one.
    if (rows > 0) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await flushOne();
    }
  }

  return {
    write(encoded) {
      if (closed) return Promise.reject(new OverloadedError('collector is shutting down'));
      if (encoded.rows === 0) return Promise.resolve();
      if (bytes + inflightBytes + encoded.bytes.length > options.maxPendingBytes) {
        return Promise.reject(new OverloadedError(`more than ${options.maxPendingBytes} bytes of spans are waiting to be stored`));
      }
      return new Promise<void>((resolve, reject) => {
        chunks.push(encoded.bytes);
        waiters.push({ resolve, reject });
        rows += encoded.rows;
        bytes += encoded.bytes.length;
        schedule();
      });
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (inflight) await inflight.catch(() => {});
      while (rows > 0 && !inflight) await flushOne();
      while (inflight) await inflight.catch(() => {});
    },
    stats() {
      return { ...stats, pendingRows: rows, pendingBytes: bytes + inflightBytes };
    },
  };
}
