// Online scoring pages through verdict_scorer_queue from its checkpoint (arrival, trace id), a batch
// at a time. One insert settles many traces at the same arrival, so a page boundary falls inside
// such a tie: paging must still hand every queued trace over, in order, none skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSqlFile } from '../../schema/sql-files.js';
import type { Store } from '../../store/store.js';
import { openTestStore, removeTestStore } from '../helpers/seed-spans.js';

let store: Store;

beforeAll(async () => {
  store = await openTestStore();
  // Seven traces settled at one arrival, two at a later one; t3 settled again at the later one.
  const tie = ['t1', 't2', 't3', 't4', 't5', 't6', 't7'].map((t) => `('2026-01-05 10:00:00.000', '${t}')`);
  const later = ['t8', 't9', 't3'].map((t) => `('2026-01-05 10:00:01.000', '${t}')`);
  await store.client.command({ query: `INSERT INTO verdict_scorer_queue (LastArrival, TraceId) VALUES ${[...tie, ...later].join(', ')}` });
});

afterAll(async () => {
  await removeTestStore(store);
});

async function page(at: string, trace: string, limit: number): Promise<Array<{ traceId: string; arrival: string }>> {
  const result = await store.client.query({
    query: readSqlFile('quality/scorer-pending.sql'),
    query_params: { watermark: at, last_trace: trace, quiet_ms: 0, limit },
    format: 'JSONEachRow',
  });
  return result.json();
}

describe('the scorer queue, paged from a checkpoint', () => {
  it('hands over every trace of a tie across page boundaries, once per queued arrival, oldest first', async () => {
    const seen: string[] = [];
    let from = { at: '1970-01-01 00:00:00.000', trace: '' };
    for (let pages = 0; pages < 10; pages++) {
      const rows = await page(from.at, from.trace, 3);
      if (rows.length === 0) break;
      seen.push(...rows.map((r) => r.traceId));
      const last = rows[rows.length - 1];
      from = { at: last.arrival, trace: last.traceId };
    }
    // t3 is looked at in the tie and again at its later arrival (then skipped as scored).
    expect(seen).toEqual(['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't3', 't8', 't9']);
  });
});
