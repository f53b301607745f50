// The feedback and cost rollups (migration 065, schema/feedback-settle.sql) give compare the same
// quality and cost answer as the settled traces and their live assessments, through MLflow's
// override (a later assessment of the same trace, name and source replaces the earlier), an
// assessment that arrives before its trace, an errored assessment, a re-attributed trace (a late
// root span moves it to another version) and a replayed settle. Both paths sum cost in integer
// nanodollars; score sums are floats added in another order, so those are compared to 12 digits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Store } from '../../store/store.js';
import { plan } from '../../queries/compare/plan.js';
import { qualityAndCost, type QualityAndCost } from '../../queries/compare/quality-metrics.js';
import { minuteRange } from '../../queries/rollup.js';
import type { TimeRange } from '../../queries/time-range.js';
import { openTestStore, seed, settle, T0, MINUTE, HOUR, type Population } from '../helpers/seed-spans.js';

let store: Store;
const base = { service: 'chat-api', environment: 'production', errors: 3, spacingMs: 9_000, latencyMs: 200, children: 1, inputTokens: 800, outputTokens: 120 };
const pops: Population[] = [
  { ...base, version: '1.1.0', requests: 300, startMs: T0 + 5 * MINUTE, model: 'gpt-4o', names: ['POST /chat', 'POST /search'] },
  { ...base, version: '1.2.0', requests: 250, startMs: T0 + 40 * MINUTE, model: 'gpt-4o-mini', names: ['POST /chat', 'POST /search'] },
  // A model no price covers: counted and named, never $0.
  { ...base, version: '1.2.0', requests: 40, startMs: T0 + 70 * MINUTE, model: 'house-model-7b', seed: 'house' },
  { ...base, service: 'search-api', version: '1.2.0', requests: 60, startMs: T0 + 20 * MINUTE, model: 'gpt-4o' },
];

const ASSESS_SQL = `
INSERT INTO verdict_assessments (AssessmentId, TraceId, SpanId, Name, Kind, ValueType, Score, Label, Value, SourceType, SourceId, Rationale, Metadata, Error, Origin, Timestamp)
SETTINGS async_insert = 0
SELECT concat({tag:String}, '-', name, '-', TraceId, '-', source), TraceId, '', name, 'feedback', type, score,
    if(type = 'string', ['friendly', 'neutral', 'curt'][1 + h % 3], if(type = 'boolean', if(score = 1, 'true', 'false'), '')), '', 'HUMAN', source, '', map(),
    if(source = 'judge-2' AND h % 4 = 0, 'TIMEOUT', ''), 'api', fromUnixTimestamp64Milli({at_ms:Int64})
FROM (
    SELECT TraceId, name, type, source, h,
        multiIf(type = 'boolean', toNullable(toFloat64(h % 10 < {up:UInt8})), type = 'number', toNullable(round((h % 100) / 100 + {shift:Float64}, 2)), NULL) AS score
    FROM (
        SELECT TraceId, name, type, source, cityHash64(TraceId, {tag:String}, name, source) AS h
        FROM (SELECT DISTINCT TraceId FROM otel_traces WHERE ParentSpanId = '' AND cityHash64(TraceId) % 10 < {share:UInt8})
        ARRAY JOIN
            ['thumbs_up', 'thumbs_up', 'relevance', 'tone', 'relevance'] AS name,
            ['boolean', 'boolean', 'number', 'string', 'number'] AS type,
            ['user-a', 'user-b', 'judge', 'judge', 'judge-2'] AS source
    )
)
`;

async function assess(client: ClickHouseClient, tag: string, atMs: number, opts: { share: number; up: number; shift: number }): Promise<void> {
  await client.command({ query: ASSESS_SQL, query_params: { tag, at_ms: atMs, share: opts.share, up: opts.up, shift: opts.shift } });
}

async function insertSpan(client: ClickHouseClient, span: { traceId: string; spanId: string; parent: string; kind: string; version: string; atMs: number }): Promise<void> {
  await client.command({
    query: `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode)
            SETTINGS async_insert = 0
            VALUES (fromUnixTimestamp64Milli({at:Int64}), {trace:String}, {span:String}, {parent:String}, 'POST /chat', {kind:String}, 'chat-api',
                    map('service.name', 'chat-api', 'service.version', {version:String}, 'deployment.environment.name', 'production'),
                    map('gen_ai.request.model', 'gpt-4o', 'gen_ai.usage.input_tokens', '1000', 'gen_ai.usage.output_tokens', '10'), 50000000, 'Ok')`,
    query_params: { at: span.atMs, trace: span.traceId, span: span.spanId, parent: span.parent, kind: span.kind, version: span.version },
  });
}

function answer(client: ClickHouseClient, baseline: string, candidate: string, raw: boolean, range?: TimeRange, service?: string): Promise<QualityAndCost> {
  const options = { service, environment: 'production', baseline: { version: baseline }, candidate: { version: candidate } };
  return qualityAndCost(client, options, minuteRange(range), { ...plan(options), raw });
}

/** Equal, floats to within 1e-12 relative (score sums are added in another order); everything else exactly. */
function expectClose(a: unknown, b: unknown, path: string): void {
  if (typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b)) {
    expect(Math.abs(a - b), `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a), Math.abs(b)));
  } else if (Array.isArray(a) && Array.isArray(b)) {
    expect(a.length, path).toBe(b.length);
    a.forEach((x, i) => expectClose(x, b[i], `${path}[${i}]`));
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(a).sort(), path).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(a)) expectClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
  } else {
    expect(a, path).toEqual(b);
  }
}

const hour = Math.ceil(T0 / HOUR) * HOUR;
const RANGES: Array<TimeRange | undefined> = [undefined, { fromMs: hour, toMs: hour + HOUR }, { fromMs: T0 + 17 * MINUTE, toMs: T0 + 61 * MINUTE }];

async function expectRollupEqualsRaw(client: ClickHouseClient): Promise<QualityAndCost> {
  let whole: QualityAndCost | undefined;
  // Each table (whole days, hours, minutes) over everything; the service scopes on the daily one.
  const cases: Array<[TimeRange | undefined, string | undefined]> = [...RANGES.map((r): [TimeRange | undefined, undefined] => [r, undefined]), [undefined, 'chat-api'], [undefined, 'search-api']];
  for (const [range, service] of cases) {
    const fromRollup = await answer(client, '1.1.0', '1.2.0', false, range, service);
    const fromRaw = await answer(client, '1.1.0', '1.2.0', true, range, service);
    expectClose(fromRollup, fromRaw, `${JSON.stringify(range)} ${service}`);
    if (range === undefined && service === undefined) whole = fromRollup;
  }
  return whole!;
}

const LATE = { traceId: 'feedbackbeforetrace0000000000001', root: 'a000000000000001', server: 'a000000000000002' };

beforeAll(async () => {
  store = await openTestStore();
  // Feedback for a trace not yet seen: kept, and counted once the trace settles.
  await store.client.command({
    query: `INSERT INTO verdict_assessments (AssessmentId, TraceId, Name, Kind, ValueType, Score, Label, Value, SourceType, SourceId, Origin, Timestamp)
            SETTINGS async_insert = 0
            VALUES ('early-1', {t:String}, 'thumbs_up', 'feedback', 'boolean', 0, 'false', 'false', 'HUMAN', 'user-a', 'api', '2026-01-05 00:10:00')`,
    query_params: { t: LATE.traceId },
  });
  for (const [i, p] of pops.entries()) await seed(store.client, p, `fb-batch-${i}`);
  await assess(store.client, 'first', T0 + 2 * HOUR, { share: 6, up: 7, shift: 0 });
  await settle(store.client);
}, 60_000);

afterAll(async () => {
  await store?.close();
});

describe('feedback and cost rollups = settled traces and live assessments', () => {
  it('on the seeded data, with an errored assessment and an unpriced model', async () => {
    const whole = await expectRollupEqualsRaw(store.client);
    expect(whole.quality.map((m) => [m.name, m.type])).toEqual([['relevance', 'numeric'], ['thumbs_up', 'boolean'], ['tone', 'categorical']]);
    expect(whole.quality.every((m) => (m.baseline.count ?? 0) > 100 && (m.candidate.count ?? 0) > 100)).toBe(true);
    expect(whole.cost.candidate.unpricedModels).toEqual(['house-model-7b']);
    expect(whole.cost.candidate.unpricedCalls).toBe(40);
  });

  it('after overrides (later assessments of the same trace, name and source) on part of the traces', async () => {
    const before = (await answer(store.client, '1.1.0', '1.2.0', false)).quality.find((m) => m.name === 'thumbs_up')!;
    await assess(store.client, 'second', T0 + 3 * HOUR, { share: 3, up: 2, shift: 0.5 });
    await settle(store.client);
    const after = (await expectRollupEqualsRaw(store.client)).quality.find((m) => m.name === 'thumbs_up')!;
    // The overridden thumbs replace the earlier ones: the counts stay, the rate falls.
    expect(after.baseline.count).toBe(before.baseline.count);
    expect(after.baseline.value!).toBeLessThan(before.baseline.value!);
    // An older assessment arriving now does not override a newer one.
    await assess(store.client, 'older', T0 + HOUR, { share: 6, up: 10, shift: -0.5 });
    await settle(store.client);
    expect((await expectRollupEqualsRaw(store.client)).quality.find((m) => m.name === 'thumbs_up')!.baseline.count).toBe(before.baseline.count);
  });

  it('joins feedback that came before its trace, and moves it when a late root span re-attributes the trace', async () => {
    const thumbs = async () => {
      const m = (await answer(store.client, '1.1.0', '1.2.0', false, undefined, 'chat-api')).quality.find((q) => q.name === 'thumbs_up')!;
      return [m.baseline.count, m.candidate.count];
    };
    const [v11, v12] = await thumbs();
    // First a Server span of 1.1.0 (not the root): the trace settles under 1.1.0 with its early feedback.
    await insertSpan(store.client, { traceId: LATE.traceId, spanId: LATE.server, parent: LATE.root, kind: 'Server', version: '1.1.0', atMs: T0 + 50 * MINUTE });
    await settle(store.client);
    await expectRollupEqualsRaw(store.client);
    expect(await thumbs()).toEqual([v11 + 1, v12]);
    // Then its root span, of 1.2.0: the root's version wins, and the trace (and its feedback) moves.
    await insertSpan(store.client, { traceId: LATE.traceId, spanId: LATE.root, parent: '', kind: 'Server', version: '1.2.0', atMs: T0 + 50 * MINUTE - 1 });
    await settle(store.client);
    await expectRollupEqualsRaw(store.client);
    expect(await thumbs()).toEqual([v11, v12 + 1]);
  });

  it('a settle run again over everything (a replay, a wider window) changes nothing', async () => {
    const count = async () => {
      // (merged first: merges change the number of rows, never the sums)
      await store.client.command({ query: 'OPTIMIZE TABLE verdict_feedback_traces FINAL' });
      const res = await store.client.query({ query: 'SELECT count() AS n, sum(Traces) AS t, sum(N) AS sn FROM verdict_feedback_traces', format: 'JSONEachRow' });
      return (await res.json())[0];
    };
    const before = await count();
    const res = await store.client.query({ query: 'SELECT toString(min(LastArrival) - 1) AS s FROM verdict_trace_parts', format: 'JSONEachRow' });
    const since = ((await res.json()) as Array<{ s: string }>)[0].s;
    const { createFeedbackSettle } = await import('../../store/feedback-settle.js');
    const again = createFeedbackSettle(store.client, 1);
    await again.run(since, 'replay-everything', {});
    expect(await count()).toEqual(before);
    await expectRollupEqualsRaw(store.client);
  });
});
