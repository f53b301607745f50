// Writes assessments to verdict_assessments: one synchronous insert per batch, acknowledged only
// once the engine has stored it. A batch whose assessments all carry client ids is deduplicated by
// its content (a retried request is dropped whole); a single retried assessment is the same row
// (same id) and collapses in the table, so it is never counted twice either way.
import type { ClickHouseClient } from '@clickhouse/client';
import { createHash } from 'node:crypto';
import type { AssessmentRow } from './assessment.js';

export async function insertAssessments(client: ClickHouseClient, rows: readonly AssessmentRow[], options: { clientIds?: boolean } = {}): Promise<void> {
  if (rows.length === 0) return;
  const token = options.clientIds ? createHash('sha256').update(JSON.stringify(rows)).digest('hex') : undefined;
  await client.insert({
    table: 'verdict_assessments',
    values: rows as AssessmentRow[],
    format: 'JSONEachRow',
    columns: ['AssessmentId', 'TraceId', 'SpanId', 'Name', 'Kind', 'ValueType', 'Score', 'Label', 'Value', 'SourceType', 'SourceId', 'Rationale', 'Metadata', 'Error', 'Origin', 'Timestamp'],
    clickhouse_settings: { async_insert: 0, ...(token ? { insert_deduplication_token: token } : {}) },
  });
}
