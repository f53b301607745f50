// Settles traces after their spans are stored (schema/settle.sql): every trace whose spans arrived
// since the last run gets its summary recomputed from all its parts, so its facts and totals are
// the whole trace's whatever order its spans came in. One run at a time per store: two runs
// cancelling the same old summary would subtract it twice. On a server that several collectors
// share, every run holds the settle lock (schema/lease-lock.ts; why: docs/operations.md). A run
// after an insert leaves the feedback of what it settled to the next run that settles feedback
// (flush, the timed beat): on the embedded engine every statement waits for the one before it, and
// settling the feedback of a scorer's batch cost more than scoring it (store/feedback-carry.ts).
import type { ClickHouseClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import type { LeaseLock } from '../schema/lease-lock.js';
import { readSqlFile, renderSqlFile } from '../schema/sql-files.js';
import { StoreUnavailableError } from './errors.js';
import { createFeedbackCarry } from './feedback-carry.js';
import { createFeedbackSettle } from './feedback-settle.js';
import { createPricer, type Pricer } from './prices.js';

export interface SettleOptions {
  /**
   * Skip this run if another collector is settling: its run covers the same traces (the timed run).
   * Not skipped while feedback handed over by this process's runs is owed (handOverFeedback).
   */
  skipIfBusy?: boolean;
  /**
   * Look back at least to this time (ms since the epoch) in this run: a batch replayed after a
   * restart may have been stored, unsettled, before the crash, and others' runs since moved the
   * watermark past it.
   */
  lookBackToMs?: number;
  /**
   * Leave the feedback of the traces this run settles to the next run that settles feedback (every
   * run without this: flush, the timed beat), which covers every window handed to it. A run after
   * an insert does, so that the insert (and the next) never waits for it.
   */
  handOverFeedback?: boolean;
}

export interface Settler {
  /**
   * Settles what arrived since the last run. `token` makes a retried run after a failure a no-op
   * in the engine (derive it from the insert it follows); a fresh one is used when absent.
   */
  settle(token?: string, options?: SettleOptions): Promise<void>;
  /**
   * After an insert: settles now when the last run started at least the gap ago, else once, the
   * gap after it, for every insert in between. Many small batches then share one run. The gap is
   * `minGapMs`, or GAP_PER_RUN times the last run's duration when longer (nextGapMs). Their
   * feedback is handed over to the next `settle` (SettleOptions.handOverFeedback).
   */
  settleSoon(token: string, options?: SettleOptions): Promise<void>;
  /** Runs a pending trailing run now, and the feedback settle of what was handed over, so that a closed store has settled all it stored. */
  close(): Promise<void>;
}

export interface SettlerOptions {
  /**
   * How far back past the newest arrival it has seen the next run looks again, for parts that were
   * stamped before that arrival but committed after the run read. Only writers that insert
   * concurrently make that possible (several collectors or the upstream exporter on one server);
   * one sequential inserter (the embedded store) needs only the last millisecond again. Each
   * millisecond of overlap is re-settled work on every run: 2 s at 50k spans/s tripled the cost.
   */
  overlapMs: number;
  /**
   * The least time between runs started by inserts. A run has a fixed cost (a dozen index
   * lookups and three views) that small batches cannot carry one each: at a few hundred spans a
   * batch it was most of the collector's CPU. Questions see a stored span settled within this,
   * or within GAP_PER_RUN times the last run's duration when the engine is saturated.
   */
  minGapMs: number;
  /** The settle lock shared with other collectors on the same server (none on the embedded engine). */
  lock?: LeaseLock;
  /**
   * After a run that re-settled many traces (a migration's backfill, a long replay), merge away the
   * cancelled summaries it left: until a merge happens to meet both rows of a pair, every question
   * reading verdict_traces_live builds its exclusion set from them (2.5M after re-settling a 10M-span
   * store made a compare take seconds). Absent: never (a cluster's tables are collapsed by its own merges).
   */
  collapse?: CollapseOptions;
  /** The most trace parts one settle statement reads (SLICE_PARTS unless set; tests set it small). */
  sliceParts?: number;
  /**
   * Where the window handed over to the next feedback settle is kept (in the data directory), so
   * that a restart after a crash re-attributes its feedback. Absent: in memory only.
   */
  feedbackCarryFile?: string;
}

export interface CollapseOptions {
  /** The statement that merges the settled traces' table whole (e.g. OPTIMIZE TABLE … FINAL). */
  statement: string;
  /** Look only after a run that read at least this many trace parts (normal runs never pay for it). */
  afterParts: number;
  /** Collapse when at least this many cancelled summaries are waiting for a merge. */
  cancelled: number;
}

/**
 * Trace parts one settle statement reads at most; a larger window is settled in slices of traces.
 * A statement holds its whole window in memory (≈3.5 KB a trace: 8.7 GB when a restart re-read the
 * 2.5M traces a backfill stamped in one millisecond); 200k parts keep it under 1 GB, and a run of
 * normal traffic (a few thousand parts) stays one statement.
 */
export const SLICE_PARTS = 200_000;

/**
 * After an insert, the next run waits at least this many times as long as the last run took (and
 * never less than `minGapMs`). A run costs a fixed part (planning one large statement, the views
 * on verdict_traces, a part in each of a dozen tables to merge) plus a part per trace, so under
 * saturation longer gaps make larger, cheaper runs per trace, while an idle collector's short
 * runs keep the configured gap. Settling then takes at most about 1/GAP_PER_RUN of the engine's
 * time between inserts.
 */
export const GAP_PER_RUN = 3;

/**
 * The least time from the start of the last run to the next run after an insert: `minGapMs`,
 * stretched to GAP_PER_RUN times the last run's duration. 0 stays 0 (settle after every insert).
 */
export function nextGapMs(minGapMs: number, lastRunMs: number): number {
  return minGapMs > 0 ? Math.max(minGapMs, Math.round(GAP_PER_RUN * lastRunMs)) : 0;
}

/** A run this large is a backfill or a replay, not traffic: collapsing once then is cheap next to it. */
export const COLLAPSE_AFTER = { afterParts: 100_000, cancelled: 100_000 };

/** Merges verdict_traces whole, so each cancelled summary meets the summary it cancels. */
export const COLLAPSE_SETTLED = 'OPTIMIZE TABLE verdict_traces FINAL';

let statement: string | undefined;

/** schema/settle.sql with the summaries it compares (schema/trace-summaries.sql) inline. */
export function settleStatement(): string {
  statement ??= renderSqlFile('schema/settle.sql', { summaries: readSqlFile('schema/trace-summaries.sql') });
  return statement;
}

export function createSettler(client: ClickHouseClient, opts: SettlerOptions, pricer: Pricer = createPricer()): Settler {
  const OVERLAP_MS = opts.overlapMs;
  const lock = opts.lock;
  let since: string | undefined;
  /** What the last run read (its window, newest arrival, parts and spans), to skip a run that would read the same. */
  let lastSeen: string | undefined;
  let running: Promise<void> = Promise.resolve();
  const feedback = createFeedbackSettle(client, OVERLAP_MS);
  const carry = createFeedbackCarry(opts.feedbackCarryFile);
  /** A run of this process handed its window over and no feedback settle has covered it yet. */
  let handedOver = false;

  async function watermark(): Promise<string> {
    // After a restart: from the newest arrival already settled, so nothing unsettled is skipped.
    const result = await client.query({
      query: "SELECT toString(greatest(max(LastArrival) - toIntervalMillisecond({overlap:UInt32}), toDateTime64(0, 3))) AS since FROM verdict_trace_state",
      query_params: { overlap: OVERLAP_MS },
      format: 'JSONEachRow',
    });
    const [row] = await result.json<{ since: string }>();
    return row?.since ?? '1970-01-01 00:00:00.000';
  }

  /** The query id of a statement under the lock: one taking it over waits for this statement to end. */
  const queryId = () => (lock ? { query_id: lock.queryId() } : {});

  async function run(token: string, options: SettleOptions): Promise<void> {
    since ??= await watermark();
    let from = since;
    if (options.lookBackToMs !== undefined) {
      const earlier = await client.query({
        query: 'SELECT toString(least({since:DateTime64(3)}, fromUnixTimestamp64Milli({ms:Int64}) - toIntervalMillisecond({overlap:UInt32}))) AS from',
        query_params: { since, ms: Math.floor(options.lookBackToMs), overlap: OVERLAP_MS },
        format: 'JSONEachRow',
        ...queryId(),
      });
      [{ from }] = await earlier.json<{ from: string }>();
    }
    // The next run starts from what this one will have seen, less an overlap for late commits.
    const newest = await client.query({
      query: 'SELECT toString(max(LastArrival) - toIntervalMillisecond({overlap:UInt32})) AS next, count() AS parts, sum(Spans) AS spans FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)}',
      query_params: { since: from, overlap: OVERLAP_MS },
      format: 'JSONEachRow',
      ...queryId(),
    });
    const [{ next, parts, spans }] = await newest.json<{ next: string; parts: string; spans: string }>();
    // Nothing stored since the last run read these parts: their traces are settled as they are. An
    // idle collector's beat would otherwise re-settle its last batch (all of a backfill's traces,
    // stamped in one millisecond) every few seconds. Any new part adds spans; merges never lower the sum.
    const seen = `${from}|${next}|${parts}|${spans}`;
    if (seen === lastSeen) {
      if (!options.handOverFeedback) await settleFeedback(from, token);
      return;
    }
    // Handed over (or, should this run stop before its feedback, left) to the next feedback settle:
    // on disk before the traces change, so that no crash in between loses the window.
    await carry.extend(from);
    if (options.handOverFeedback) handedOver = true;
    // New (provider, model, day) keys get their price first, so the summaries below can join it.
    await pricer.priceNewKeys(client);
    // A window too large for one statement's memory is settled a slice of traces at a time.
    const shards = Math.max(1, Math.ceil(Number(parts) / (opts.sliceParts ?? SLICE_PARTS)));
    for (let shard = 0; shard < shards; shard++) {
      // A fresh settler's window re-reads the newest millisecond already settled: all of a
      // backfill's traces at once, on every restart. A slice whose traces all are settled is skipped.
      if (lastSeen === undefined && (await pending(from, shards, shard)) === 0) continue;
      await lock?.confirm();
      const sliceToken = shards === 1 ? token : `${token}-${shard}/${shards}`;
      await client.command({ query: settleStatement(), query_params: { since: from, token: sliceToken, shards, shard }, ...queryId() });
    }
    // Then, unless handed over, the feedback of the traces that changed in this run and in every
    // run that handed its window over, and of those assessed since (feedback-settle.ts).
    if (!options.handOverFeedback) await settleFeedback(from, token);
    if (opts.collapse && Number(parts) >= opts.collapse.afterParts) await collapse(opts.collapse);
    lastSeen = seen;
    if (next > since) since = next;
  }

  async function settleFeedback(from: string, token: string): Promise<void> {
    const carried = await carry.earliest();
    await feedback.run(carried !== undefined && carried < from ? carried : from, token, queryId());
    await carry.clear();
    handedOver = false;
  }

  async function pending(from: string, shards: number, shard: number): Promise<number> {
    const result = await client.query({ query: readSqlFile('schema/settle-pending.sql'), query_params: { since: from, shards, shard }, format: 'JSONEachRow', ...queryId() });
    const [{ pending: n }] = await result.json<{ pending: string }>();
    return Number(n);
  }

  async function collapse(c: CollapseOptions): Promise<void> {
    const counted = await client.query({ query: 'SELECT countIf(Sign = -1) AS cancelled FROM verdict_traces', format: 'JSONEachRow', ...queryId() });
    const [{ cancelled }] = await counted.json<{ cancelled: string }>();
    if (Number(cancelled) < c.cancelled) return;
    await lock?.confirm();
    await client.command({ query: c.statement, ...queryId() });
  }

  /** How long the last run took (ms, under the lock): stretches the next gap after an insert. */
  let lastRunMs = 0;

  async function timed(token: string, options: SettleOptions): Promise<void> {
    const began = performance.now();
    try {
      await run(token, options);
    } finally {
      lastRunMs = performance.now() - began;
    }
  }

  async function locked(token: string, options: SettleOptions): Promise<void> {
    if (!lock) return timed(token, options);
    // Not when this process owes the feedback of windows it handed over: nobody else settles it, and
    // under steady traffic from several collectors the lock is busy at most beats.
    if (options.skipIfBusy && !handedOver) {
      if (!(await lock.tryAcquire())) return;
    } else {
      await lock.acquire();
    }
    try {
      await timed(token, options);
    } finally {
      await lock.release();
    }
  }

  let lastStart = Number.NEGATIVE_INFINITY;
  let trailing: NodeJS.Timeout | undefined;

  function settle(token = `settle-${randomUUID()}`, options: SettleOptions = {}): Promise<void> {
    lastStart = Date.now();
    if (trailing) clearTimeout(trailing);
    trailing = undefined;
    const result = running.then(() => locked(token, options));
    running = result.catch(() => {});
    return result;
  }

  return {
    settle,
    settleSoon(token, options = {}) {
      const wait = lastStart + nextGapMs(opts.minGapMs, lastRunMs) - Date.now();
      // A replayed batch's look-back belongs to this run: it is not deferred.
      if (wait <= 0 || options.lookBackToMs !== undefined) return settle(token, { ...options, handOverFeedback: true });
      // A failed trailing run loses nothing: the watermark stays, and the next run covers it.
      trailing ??= setTimeout(() => void settle(undefined, { handOverFeedback: true }).catch(() => {}), wait);
      trailing.unref();
      return Promise.resolve();
    },
    async close() {
      // A failure leaves the traces to the next start's first run (from the stored watermark), and
      // their feedback to its first feedback settle (from the carried window on disk).
      await running;
      // Only what this process handed over: a store opened to read (the CLI) leaves a crashed
      // collector's carried window to that collector's next start.
      if (trailing || handedOver) await settle().catch(() => {});
      await running;
    },
  };
}

/**
 * Settles the traces a stored batch touched, now or together with the next ones (settleSoon). A
 * failure here fails the batch's insert, so the inserter retries it: the insert is then dropped as
 * a replay (same token) and the settling runs again.
 */
export async function settleAfter(settler: Settler, dedupToken: string, options: SettleOptions = {}): Promise<void> {
  try {
    await settler.settleSoon(`${dedupToken}-settle`, options);
  } catch (err) {
    throw new StoreUnavailableError(`spans stored, but their traces could not be settled: ${(err as Error).message}`, { cause: err });
  }
}
