// Assessments through a durable queue (POST /api/feedback on a running collector): one accepted
// request becomes one queue record of JSON lines, acknowledged once on disk; a sealed segment is
// inserted whole with the queue's token, so a replay after a crash is a no-op in the engine.
import type { ClickHouseClient } from '@clickhouse/client';
import { readFile } from 'node:fs/promises';
import { insertFailure } from '../store/errors.js';
import type { AssessmentRow } from './assessment.js';
import { insertAssessments } from './assessment-store.js';

/** The queue's record shape (collector/queue's QueueRecord), declared here so quality/ needs no queue import. */
export interface AssessmentRecord {
  bytes: Buffer;
  rows: number;
}

/** One request's assessments as JSON lines, the columns of verdict_assessments by name. */
export function encodeAssessmentRecord(rows: readonly AssessmentRow[]): AssessmentRecord {
  return { bytes: Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join('')), rows: rows.length };
}

/**
 * Inserts a sealed segment of assessment records. Feedback segments are small (requests of people
 * and scorers, not span traffic), so the file is read here and sent through the client: one path
 * for the embedded engine and a ClickHouse server alike.
 */
export async function insertAssessmentSegment(client: ClickHouseClient, dataPath: string, token: string): Promise<void> {
  try {
    const text = await readFile(dataPath, 'utf8');
    const rows = text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as AssessmentRow);
    await insertAssessments(client, rows, { token });
  } catch (err) {
    // The store's own rule: refused for its content (or gone) is set aside, anything else retried.
    throw insertFailure('the store could not take a batch of assessments', dataPath, err);
  }
}
