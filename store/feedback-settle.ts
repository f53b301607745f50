// Settles feedback after traces (schema/feedback-settle.sql): every trace whose parts changed in
// this run, or that got an assessment since the last one, has its live feedback recomputed into
// verdict_feedback_traces, which feeds the feedback rollups compare reads. Called by the settler
// inside a run that settles feedback (flush, the timed beat; store/settle.ts), so under the settle
// lock and one run at a time; `since` then reaches back over every window handed over to it.
import type { ClickHouseClient } from '@clickhouse/client';
import { readSqlFile, renderSqlFile } from '../schema/sql-files.js';

export interface FeedbackSettle {
  /** `since`: the earliest trace-settle window not covered yet; `token` the run's (a retried run is dropped). */
  run(since: string, token: string, extra: { query_id?: string }): Promise<void>;
}

/** At most this many changed traces travel as a parameter (about 35 bytes each). */
const CARRIED_TRACES = 50_000;
const CARRIED = 'SELECT arrayJoin({changed_ids:Array(String)}) AS TraceId';

export function createFeedbackSettle(client: ClickHouseClient, overlapMs: number): FeedbackSettle {
  let feedbackSince: string | undefined;

  async function first(query: string, extra: { query_id?: string }, params: Record<string, unknown> = {}): Promise<string> {
    const result = await client.query({ query, query_params: { overlap: overlapMs, ...params }, format: 'JSONEachRow', ...extra });
    const [row] = await result.json<{ at: string }>();
    return row.at;
  }

  return {
    async run(since, token, extra) {
      // After a restart: from the newest assessment already counted (an assessment counted nowhere
      // yet, its trace unsettled, is read again when its trace settles).
      feedbackSince ??= await first(
        'SELECT toString(greatest(max(LastArrival) - toIntervalMillisecond({overlap:UInt32}), toDateTime64(0, 3))) AS at FROM verdict_feedback_traces',
        extra,
      );
      // The next run starts at the newest arrival this one reads, or an overlap before now if that
      // is earlier: an assessment stamped within the overlap may commit after this read. Not an
      // overlap before the newest: one bulk import stamps a million assessments in the same
      // millisecond, and reading them again on every run until a newer one came cost 40 s a run.
      const next = await first(
        'SELECT toString(greatest({from:DateTime64(3)}, least(max(Arrival), now64(3) - toIntervalMillisecond({overlap:UInt32})))) AS at FROM verdict_assessments WHERE Arrival > {from:DateTime64(3)}',
        extra,
        { from: feedbackSince },
      );
      // Most runs (spans of traces nobody assessed) change no feedback: one small read says so, where
      // the whole statement would look the traces up in verdict_traces. The traces it finds are
      // handed to the statement as they are (the statement reads them four times, and each read of
      // the union is two index lookups); a set too large to carry (a bulk import) is read again there.
      const changed = readSqlFile('schema/feedback-changed.sql');
      const params = { since, feedback_since: feedbackSince };
      const found = await client.query({ query: `SELECT TraceId FROM (${changed}) LIMIT {most:UInt32}`, query_params: { ...params, most: CARRIED_TRACES + 1 }, format: 'JSONCompactEachRow', ...extra });
      const ids = (await found.json<[string]>()).map(([id]) => id);
      if (ids.length > CARRIED_TRACES) {
        await client.command({ query: renderSqlFile('schema/feedback-settle.sql', { changed }), query_params: { ...params, token: `${token}-feedback` }, ...extra });
      } else if (ids.length > 0) {
        await client.command({ query: renderSqlFile('schema/feedback-settle.sql', { changed: CARRIED }), query_params: { changed_ids: ids, token: `${token}-feedback` }, ...extra });
      }
      if (next > feedbackSince) feedbackSince = next;
    },
  };
}
