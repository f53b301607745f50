// Runs scorers over stored traces: offline over a filtered (and sampled) set (`verdict score`),
// or online as traces complete (`verdict serve --scorer`), checkpointed so that each trace is
// scored once per scorer version across restarts. Traces are loaded and results stored in
// batches; a scorer failing on a trace is an error assessment, never an exception here.
import type { ClickHouseClient } from '@clickhouse/client';
import { setTimeout as delay } from 'node:timers/promises';
import { renderSqlFile } from '../schema/sql-files.js';
import type { AssessmentRow } from './assessment.js';
import { insertAssessments } from './assessment-store.js';
import { loadTraces, scorerSource, scoreTrace, type QueueRange, type Scorer } from './scorer.js';

export interface ScoreOptions {
  /** Per call of a scorer on one trace. */
  timeoutMs?: number;
  /** Scorer calls in flight at once (scorers that call a model wait on the network). */
  concurrency?: number;
}

export interface ScoreCounts {
  scored: number;
  errors: number;
  skipped: number;
}

const BATCH = 1000;
/**
 * Online, while nothing waits to be stored: each batch has a fixed cost (its statements, the parts
 * it writes) that larger batches share. While spans are arriving, batches stay at BATCH, so that
 * none holds the engine from the next insert for long.
 */
const CATCH_UP_BATCH = 5000;
/**
 * How long ingest must have been idle before batches grow: the last insert of a burst is followed
 * by its settle (and a flush waits for it), which a large batch started in between would hold up.
 */
const IDLE_BEFORE_CATCH_UP_MS = 1_000;

async function rowsOf<T>(client: ClickHouseClient, file: string, params: Record<string, unknown>, fragments: Record<string, string> = {}): Promise<T[]> {
  const result = await client.query({ query: renderSqlFile(file, fragments), query_params: params, format: 'JSONEachRow' });
  return result.json<T>();
}

/** Scores one batch of traces with every scorer, skipping what each has scored already. */
export async function scoreBatch(client: ClickHouseClient, scorers: readonly Scorer[], traceIds: string[], options: ScoreOptions = {}, queue?: QueueRange): Promise<ScoreCounts> {
  const counts: ScoreCounts = { scored: 0, errors: 0, skipped: 0 };
  if (traceIds.length === 0) return counts;
  const { traces, scored } = await loadTraces(client, traceIds, scorers, queue);
  const rows: AssessmentRow[] = [];
  for (const scorer of scorers) {
    const todo = traces.filter((t) => !scored(scorer, t.traceId));
    counts.skipped += traces.length - todo.length;
    const concurrency = options.concurrency ?? 16;
    for (let i = 0; i < todo.length; i += concurrency) {
      // Each chunk waits for the event loop's turn: synchronous scorers settle in microtasks, and a
      // batch of them would otherwise hold up requests (ingest) for its whole run.
      if (i > 0) await new Promise(setImmediate);
      const results = await Promise.all(todo.slice(i, i + concurrency).map((t) => scoreTrace(scorer, t, options.timeoutMs ?? 30_000)));
      for (const r of results) {
        rows.push(r);
        if (r.Error) counts.errors++;
        else counts.scored++;
      }
    }
  }
  // One insert per batch; the ids are deterministic, so a retried batch is the same assessments.
  await insertAssessments(client, rows);
  return counts;
}

/** Offline: every settled trace matching `where` (a trace-row condition and its parameters), a `sample` share of them. */
export async function scoreStored(
  client: ClickHouseClient,
  scorers: readonly Scorer[],
  selection: { where: string; params: Record<string, unknown>; sample?: number },
  options: ScoreOptions & { onProgress?: (done: number, total: number) => void } = {},
): Promise<ScoreCounts & { traces: number }> {
  const sampleBp = Math.round((selection.sample ?? 1) * 10_000);
  const ids = (await rowsOf<{ traceId: string }>(client, 'quality/scorer-candidates.sql', { ...selection.params, sample_bp: sampleBp }, { where: selection.where })).map((r) => r.traceId);
  const total: ScoreCounts & { traces: number } = { scored: 0, errors: 0, skipped: 0, traces: ids.length };
  for (let i = 0; i < ids.length; i += BATCH) {
    const c = await scoreBatch(client, scorers, ids.slice(i, i + BATCH), options);
    total.scored += c.scored;
    total.errors += c.errors;
    total.skipped += c.skipped;
    options.onProgress?.(Math.min(i + BATCH, ids.length), ids.length);
  }
  return total;
}

export interface OnlineScoring {
  /** Scores whatever is pending now (also what the timer does); resolves with what it did. */
  runOnce(): Promise<ScoreCounts>;
  stop(): Promise<void>;
}

export type IngestState = 'behind' | 'receiving' | 'idle';

export interface OnlineOptions extends ScoreOptions {
  /** A trace with no new span for this long is taken as complete. */
  quietMs?: number;
  intervalMs?: number;
  log?: { warn(obj: object, msg: string): void };
  /**
   * Where ingest is: `behind` while acknowledged spans wait for (or are in) an insert, `receiving`
   * while spans gather for the next one, `idle` when nothing waits. Behind, scoring takes one
   * batch per YIELD_MS and leaves the engine to the inserts: on the embedded engine every
   * statement waits for the one before it, so each scoring statement would hold up spans.
   */
  ingest?: () => IngestState;
}

/**
 * The least time between checkpoint writes while batches follow each other (a catch-up): each
 * write is a part the engine creates and merges. A crash re-reads at most this much past the
 * stored checkpoint, and skips it as scored (the assessments are stored before it moves).
 */
const CHECKPOINT_EVERY_MS = 1_000;
/** While ingest is behind, at most one batch per this long: scoring slows down, but never stops. */
const YIELD_MS = 1_000;
const YIELD_POLL_MS = 50;

/** Online: scores traces as they complete, from each scorer version's checkpoint. */
export function startOnlineScoring(client: ClickHouseClient, scorers: readonly Scorer[], options: OnlineOptions = {}): OnlineScoring {
  const key = scorers.map(scorerSource).sort().join(',');
  let running: Promise<ScoreCounts> | undefined;
  let stopped = false;
  const startedAt = Date.now();
  /** Where scoring is (its assessments stored), and the checkpoint last written; this process is the set's one writer. */
  let since: { at: string; trace: string } | undefined;
  let written: { at: string; trace: string } | undefined;
  let writtenAtMs = 0;
  /** When ingest was last seen receiving or behind (watched between batches too, so that a burst between rounds counts). */
  let ingestBusyAtMs = 0;
  const noteIngest = () => {
    if ((options.ingest?.() ?? 'idle') !== 'idle') ingestBusyAtMs = Date.now();
  };
  const watcher = options.ingest ? setInterval(noteIngest, YIELD_POLL_MS) : undefined;
  watcher?.unref();

  async function watermark(): Promise<{ at: string; trace: string }> {
    const [row] = await rowsOf<{ w: string; t: string; n: string | number }>(client, 'quality/scorer-checkpoint.sql', { scorer: key });
    // A scorer set never run: from when online scoring started (`verdict score` scores what is older).
    if (Number(row?.n ?? 0) === 0) {
      await client.command({ query: renderSqlFile('quality/scorer-checkpoint-start.sql'), query_params: { scorer: key, age_ms: Date.now() - startedAt } });
      return watermark();
    }
    return { at: row.w, trace: row.t };
  }

  async function checkpoint(): Promise<void> {
    if (!since || since === written) return;
    const at = since;
    await client.insert({ table: 'verdict_scorer_checkpoints', values: [{ Scorer: key, Watermark: at.at, LastTrace: at.trace }], format: 'JSONEachRow', clickhouse_settings: { async_insert: 0 } });
    written = at;
    writtenAtMs = Date.now();
  }

  async function run(): Promise<ScoreCounts> {
    const total: ScoreCounts = { scored: 0, errors: 0, skipped: 0 };
    // Read once: afterwards this process moves it (and a failed round resumes from it).
    let from = since ?? (await watermark());
    since = from;
    written ??= from;
    for (;;) {
      const batchStartedMs = Date.now();
      noteIngest();
      const limit = batchStartedMs - ingestBusyAtMs >= IDLE_BEFORE_CATCH_UP_MS ? CATCH_UP_BATCH : BATCH;
      const pending: Array<{ traceId: string; arrival: string }> = await rowsOf(client, 'quality/scorer-pending.sql', { watermark: from.at, last_trace: from.trace, quiet_ms: options.quietMs ?? 2_000, limit });
      // Until none is left: a batch can be short of its limit with more behind it (a trace's services share one).
      if (pending.length === 0 || stopped) break;
      const last = { at: pending[pending.length - 1].arrival, trace: pending[pending.length - 1].traceId };
      const c = await scoreBatch(client, scorers, pending.map((p) => p.traceId), options, { from, to: last });
      total.scored += c.scored;
      total.errors += c.errors;
      total.skipped += c.skipped;
      // Stored first, then the checkpoint (at most CHECKPOINT_EVERY_MS behind): a crash in between
      // re-reads the batches it had not covered yet and skips them as scored.
      from = last;
      since = from;
      if (Date.now() - writtenAtMs >= CHECKPOINT_EVERY_MS) await checkpoint();
      while (options.ingest?.() === 'behind' && !stopped && Date.now() - batchStartedMs < YIELD_MS) await delay(YIELD_POLL_MS);
    }
    await checkpoint();
    return total;
  }

  // A round of its own, after any in flight (which may have started before what the caller waits for).
  const runOnce = async (): Promise<ScoreCounts> => {
    while (running) await running.catch(() => {});
    const round = run().finally(() => (running = undefined));
    running = round;
    return round;
  };
  const timer = setInterval(() => {
    if (running) return;
    runOnce().catch((err: Error) => options.log?.warn({ err: err.message }, 'online scoring failed; retried on the next beat'));
  }, options.intervalMs ?? 1_000);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearInterval(watcher);
      await running?.catch(() => {});
    },
  };
}
