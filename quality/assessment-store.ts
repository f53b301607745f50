// Writes assessments to verdict_assessments: one synchronous insert per batch, acknowledged only
// once the engine has stored it (the embedded store's path: `verdict feedback import` without a
// collector, scorers). A batch whose assessments all carry client ids is deduplicated by its content
// (a retried request is dropped whole); a single retried assessment is the same row (same id) and
// collapses in the table, so it is never counted twice either way. A queued segment brings the
// queue's own token instead (quality/assessment-segments.ts).
import type { ClickHouseClient } from '@clickhouse/client';
import { createHash } from 'node:crypto';
import type { AssessmentRow } from './assessment.js';

export interface InsertAssessmentsOptions {
  /** Every assessment carries a client id: the batch's content is its deduplication token. */
  clientIds?: boolean;
  /** An exactly-once token given by the caller (a queue segment's); wins over clientIds. */
  token?: string;
}

export async function insertAssessments(client: ClickHouseClient, rows: readonly AssessmentRow[], options: InsertAssessmentsOptions = {}): Promise<void> {
  if (rows.length === 0) return;
  const token = options.token ?? (options.clientIds ? createHash('sha256').update(JSON.stringify(rows)).digest('hex') : undefined);
  await client.insert({
    table: 'verdict_assessments',
    values: rows as AssessmentRow[],
    format: 'JSONEachRow',
    columns: ['AssessmentId', 'TraceId', 'SpanId', 'Name', 'Kind', 'ValueType', 'Score', 'Label', 'Value', 'SourceType', 'SourceId', 'Rationale', 'Metadata', 'Error', 'Origin', 'Timestamp'],
    // Always set, '' (the engine's default: the block's hash) when there is no token: on the
    // embedded engine a setting sent with a query sticks to the writer's session, so an earlier
    // insert's token would otherwise silently deduplicate (drop) the next, different batch.
    clickhouse_settings: { async_insert: 0, insert_deduplication_token: token ?? '' },
  });
}
