// Writes assessments to verdict_assessments: one synchronous insert per batch, acknowledged only
// once the engine has stored it (the embedded store's path: `verdict feedback import` without a
// collector, scorers). A batch whose assessments all carry client ids is deduplicated by its content
// (a retried request is dropped whole); a single retried assessment is the same row (same id) and
// collapses in the table, so it is never counted twice either way. A queued segment brings the
// queue's own token instead (quality/assessment-segments.ts).
import type { ClickHouseClient } from '@clickhouse/client';
import { createHash } from 'node:crypto';
import { renderSqlFile } from '../schema/sql-files.js';
import type { AssessmentRow } from './assessment.js';

export interface InsertAssessmentsOptions {
  /** Every assessment carries a client id: the batch's content is its deduplication token. */
  clientIds?: boolean;
  /** An exactly-once token given by the caller (a queue segment's); wins over clientIds. */
  token?: string;
}

const INSERT = renderSqlFile('quality/assessment-insert.sql');

export async function insertAssessments(client: ClickHouseClient, rows: readonly AssessmentRow[], options: InsertAssessmentsOptions = {}): Promise<void> {
  if (rows.length === 0) return;
  const token = options.token ?? (options.clientIds ? createHash('sha256').update(JSON.stringify(rows)).digest('hex') : '');
  const lines = rows.map((r) => JSON.stringify(r)).join('\n');
  await client.command({ query: `${INSERT}\n${lines}`, query_params: { token } });
}
