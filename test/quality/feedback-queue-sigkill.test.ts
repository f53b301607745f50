// POST /api/feedback through the durable queue: acknowledged once on disk, not once stored. A
// collector process that acknowledged feedback it had not inserted yet is killed (-9), restarted on
// the same data, killed again while feedback streams in and segments are being inserted, and
// restarted: every acknowledged assessment is stored exactly once, a client's re-sent id is still one
// assessment, and the embedded store (`verdict feedback import --data-dir`, no collector) still works.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollectorProcess, type CollectorProcess } from '../helpers/collector-process.js';
import { runCli } from '../helpers/run-cli.js';

const TRACE = (i: number) => i.toString(16).padStart(32, 'a');

let c: CollectorProcess | undefined;
/** The first test's data directory, reused (its collector stopped) by the second. */
let dataDir = '';
afterAll(async () => {
  await c?.stop();
});

async function post(p: CollectorProcess, body: unknown): Promise<{ status: number; ids: string[] }> {
  const res = await fetch(`${p.apiUrl}/api/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { ids?: string[] };
  return { status: res.status, ids: json.ids ?? [] };
}

/** One request: MLflow assessments with client ids and without, and a Langfuse score. */
const request = (n: number) => [
  { assessment_id: `k-${n}`, trace_id: `tr-${TRACE(n)}`, assessment_name: 'thumbs_up', feedback: { value: n % 2 === 0 }, source: { source_type: 'HUMAN', source_id: 'u' }, create_time: 1_767_225_600_000 + n },
  { trace_id: TRACE(n), name: 'relevance', value: n / 10, source: { source_type: 'LLM_JUDGE', source_id: 'judge' } },
  { traceId: TRACE(n), name: 'helpful', value: 1, dataType: 'BOOLEAN', comment: `r${n}` },
];

/** Rows per assessment id, counted without FINAL: a replayed insert would show as a second row. */
async function rowsPerId(p: CollectorProcess): Promise<Map<string, number>> {
  const got = await p.sql('SELECT AssessmentId AS id, count() AS n FROM verdict_assessments GROUP BY id');
  return new Map(got.map((r) => [String(r.id), Number(r.n)]));
}

describe('feedback through the durable queue, across SIGKILLs', () => {
  it('stores every acknowledged assessment exactly once', async () => {
    const acknowledged: string[] = [];
    // 1. Acknowledged, not inserted: the open segment is sealed only after an hour.
    c = await startCollectorProcess({ args: ['--batch-max-delay-ms', '3600000'] });
    for (let n = 0; n < 3; n++) {
      const r = await post(c, request(n));
      expect(r.status).toBe(200);
      acknowledged.push(...r.ids);
    }
    expect(await rowsPerId(c)).toEqual(new Map());
    await c.kill();

    // 2. Restarted: the queue's recovered segment is inserted while more feedback streams in, and
    // the collector is killed mid-stream (requests in flight then are not acknowledged).
    c = await startCollectorProcess({ dataDir: c.dataDir, args: ['--batch-max-delay-ms', '1'] });
    const p = c;
    let sent = 3;
    const stream = async () => {
      for (;;) {
        const n = sent++;
        const r = await post(p, request(n)).catch(() => undefined);
        if (!r || r.status !== 200) return;
        acknowledged.push(...r.ids);
        if (acknowledged.length >= 60) void p.kill();
      }
    };
    await Promise.all([stream(), stream()]);
    await p.kill();

    // 3. Restarted again: everything acknowledged is there, each once.
    c = await startCollectorProcess({ dataDir: c.dataDir });
    // A client re-sends an assessment it already sent (same id): still one assessment.
    expect((await post(c, request(0).slice(0, 1))).status).toBe(200);
    await c.flush();
    const stored = await rowsPerId(c);
    expect(acknowledged.length).toBeGreaterThanOrEqual(60);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect([...stored].filter(([id, n]) => n !== 1 && id !== 'k-0')).toEqual([]);
    const [live] = await c.sql(`SELECT count() AS n, sum(Versions) AS v FROM verdict_assessments_live WHERE SourceId = 'u' AND TraceId = '${TRACE(0)}'`);
    expect([Number(live.n), Number(live.v)]).toEqual([1, 1]);
    const history = await fetch(`${c.apiUrl}/api/feedback?trace=${TRACE(0)}&history=true`);
    const doc = (await history.json()) as { assessments: Array<{ id: string }> };
    expect(doc.assessments.filter((a) => a.id === 'k-0')).toHaveLength(1);
    expect(await c.stop()).toBe(0);
    dataDir = c.dataDir;
    c = undefined;
  }, 120_000);

  it('imports into the embedded store when no collector runs', async () => {
    expect(dataDir).not.toBe('');
    const file = join(dataDir, 'feedback.jsonl');
    writeFileSync(file, `${JSON.stringify({ assessment_id: 'local-1', trace_id: 'b'.repeat(32), assessment_name: 'correct', feedback: { value: true } })}\n`);
    const imported = await runCli(['feedback', 'import', file, '--data-dir', dataDir]);
    expect(imported).toMatchObject({ code: 0, stdout: `imported 1 of 1 assessments from ${file}\n` });
    const listed = await runCli(['feedback', 'list', '--trace', 'b'.repeat(32), '--json', '--data-dir', dataDir]);
    expect((JSON.parse(listed.stdout) as { assessments: Array<{ id: string; value: unknown }> }).assessments.map((a) => [a.id, a.value])).toEqual([['local-1', true]]);
  }, 30_000);
});
