// Settles feedback after traces (schema/feedback-settle.sql): every trace whose parts changed in
// this run, or that got an assessment since the last one, has its live feedback recomputed into
// verdict_feedback_traces, which feeds the feedback rollups compare reads. Called by the settler
// inside its run, so under the settle lock and one run at a time.
import type { ClickHouseClient } from '@clickhouse/client';
import { readSqlFile } from '../schema/sql-files.js';

export interface FeedbackSettle {
  /** `since` is the trace settle's own window start; `token` the run's (a retried run is dropped). */
  run(since: string, token: string, extra: { query_id?: string }): Promise<void>;
}

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
      // The next run starts from what this one will have seen, less an overlap for late commits.
      const next = await first(
        'SELECT toString(greatest(max(Arrival) - toIntervalMillisecond({overlap:UInt32}), {from:DateTime64(3)})) AS at FROM verdict_assessments WHERE Arrival > {from:DateTime64(3)}',
        extra,
        { from: feedbackSince },
      );
      await client.command({ query: readSqlFile('schema/feedback-settle.sql'), query_params: { since, feedback_since: feedbackSince, token: `${token}-feedback` }, ...extra });
      if (next > feedbackSince) feedbackSince = next;
    },
  };
}
