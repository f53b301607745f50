// Settles traces after their spans are stored (schema/settle.sql): every trace whose spans arrived
// since the last run gets its summary recomputed from all its parts, so its facts and totals are
// the whole trace's whatever order its spans came in. One run at a time per store: two runs
// cancelling the same old summary would subtract it twice.
import type { ClickHouseClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { readSqlFile } from '../schema/sql-files.js';
import { StoreUnavailableError } from './errors.js';
import { createPricer, type Pricer } from './prices.js';

export interface Settler {
  /**
   * Settles what arrived since the last run. `token` makes a retried run after a failure a no-op
   * in the engine (derive it from the insert it follows); a fresh one is used when absent.
   */
  settle(token?: string): Promise<void>;
}

/** Parts that arrive while a run reads are caught by the next run: it looks this far back again. */
const OVERLAP_MS = 2_000;

export function createSettler(client: ClickHouseClient, pricer: Pricer = createPricer()): Settler {
  let since: string | undefined;
  let running: Promise<void> = Promise.resolve();

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

  async function run(token: string): Promise<void> {
    since ??= await watermark();
    // The next run starts from what this one will have seen, less an overlap for late commits.
    const newest = await client.query({
      query: 'SELECT toString(max(LastArrival) - toIntervalMillisecond({overlap:UInt32})) AS next FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)}',
      query_params: { since, overlap: OVERLAP_MS },
      format: 'JSONEachRow',
    });
    const [{ next }] = await newest.json<{ next: string }>();
    // New (provider, model, day) keys get their price first, so the summaries below can join it.
    await pricer.priceNewKeys(client);
    await client.command({ query: readSqlFile('schema/settle.sql'), query_params: { since, token } });
    if (next > since) since = next;
  }

  return {
    settle(token = `settle-${randomUUID()}`) {
      const result = running.then(() => run(token));
      running = result.catch(() => {});
      return result;
    },
  };
}

/**
 * Settles the traces a stored batch touched. A failure here fails the batch's insert, so the
 * inserter retries it: the insert is then dropped as a replay (same token) and the settling runs again.
 */
export async function settleAfter(settler: Settler, dedupToken: string): Promise<void> {
  try {
    await settler.settle(`${dedupToken}-settle`);
  } catch (err) {
    throw new StoreUnavailableError(`spans stored, but their traces could not be settled: ${(err as Error).message}`, { cause: err });
  }
}
