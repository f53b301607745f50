// The other version questions on one seeded deployment story of chat-api in production, one
// request a minute: 1.0.0 for hours 0–10, 1.1.0 for 10–20, 1.2.0 for 20–25 (with a new error),
// back to 1.1.0 for 25–45 (a rollback) with 1.3.0 as a 10 % canary during 35–45, then 1.3.0 alone
// for 45–50. Staging has its own versions that must not leak into production's answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store/store.js';
import { deployments } from '../../queries/deployments.js';
import { errorRate } from '../../queries/error-rate.js';
import { errors } from '../../queries/errors.js';
import { filterHints } from '../../queries/filter-hints.js';
import { latency } from '../../queries/latency.js';
import { search } from '../../queries/search.js';
import { session, sessions } from '../../queries/sessions.js';
import { trace } from '../../queries/trace.js';
import { versions } from '../../queries/versions.js';
import { openTestStore, seed, T0, HOUR, MINUTE } from '../helpers/seed-spans.js';

let store: Store;
const prod = { service: 'chat-api', environment: 'production' };
const at = (h: number) => T0 + h * HOUR;

beforeAll(async () => {
  store = await openTestStore();
  const c = store.client;
  const p = { ...prod, spacingMs: MINUTE, latencyMs: 200, errorMessage: 'upstream timeout' };
  await seed(c, { ...p, version: '1.0.0', commit: 'c100', requests: 600, errors: 6, startMs: at(0), attributes: { environment: 'production' } });
  await seed(c, { ...p, version: '1.1.0', commit: 'c110', requests: 600, errors: 12, startMs: at(10) });
  await seed(c, { ...p, version: '1.2.0', commit: 'c120', requests: 150, errors: 10, startMs: at(20), sessionPrefix: 'sa', turnsPerSession: 3, children: 2, inputTokens: 100, outputTokens: 20, model: 'gpt-4o-mini' });
  await seed(c, {
    ...p, version: '1.2.0', commit: 'c120', requests: 150, errors: 20, startMs: at(22.5), errorMessage: 'context length exceeded after 4096 tokens', seed: '1.2.0-b',
  });
  await seed(c, { ...p, version: '1.1.0', commit: 'c110', requests: 1200, errors: 0, startMs: at(25), seed: '1.1.0-back' });
  await seed(c, { ...p, version: '1.3.0', commit: 'c130', requests: 60, errors: 0, startMs: at(35), spacingMs: 10 * MINUTE });
  await seed(c, { ...p, version: '1.3.0', commit: 'c130', requests: 300, errors: 3, startMs: at(45), seed: '1.3.0-full' });
  await seed(c, { ...p, environment: 'staging', version: '9.0.0', requests: 100, errors: 50, startMs: at(0), errorMessage: 'staging only', sessionPrefix: 'stg', turnsPerSession: 2 });
});

afterAll(async () => {
  await store?.close();
});

describe('versions', () => {
  it('lists production versions in order of first appearance with exact counts and commits', async () => {
    const r = await versions(store.client, prod);
    expect(r.source).toBe('rollup');
    expect(r.versions.map((v) => [v.version, v.requests, v.errors, v.commits])).toEqual([
      ['1.0.0', 600, 6, ['c100']],
      ['1.1.0', 1800, 12, ['c110']],
      ['1.2.0', 300, 30, ['c120']],
      ['1.3.0', 360, 3, ['c130']],
    ]);
    const v12 = r.versions[2];
    expect(v12.firstSeen).toBe(new Date(at(20)).toISOString());
    expect(v12.errorRate).toBe(0.1);
    expect(v12.spansPerRequest).toBe(2);
    // Two populations of 150: i % 100 runs 0…99 then 0…49, so the exact median is 174 ms.
    expect(Math.abs(v12.latencyMs!.p50 / 174 - 1)).toBeLessThan(0.02);
  });
});

describe('deployments', () => {
  it('finds the timeline, the rollback, the canary and what is live now', async () => {
    const r = await deployments(store.client, prod);
    expect(r.bucketSeconds).toBe(900);
    expect(r.deployments).toHaveLength(1);
    const d = r.deployments[0];
    expect(d.versions.map((v) => [v.version, v.requests, v.live])).toEqual([
      ['1.0.0', 600, false],
      ['1.1.0', 1800, false],
      ['1.2.0', 300, false],
      ['1.3.0', 360, true],
    ]);
    expect(d.live).toEqual(['1.3.0']);
    const iso = (h: number) => new Date(at(h)).toISOString();
    expect(d.rollouts).toEqual([
      { at: iso(10), from: '1.0.0', to: '1.1.0' },
      { at: iso(20), from: '1.1.0', to: '1.2.0' },
      { at: iso(45), from: '1.1.0', to: '1.3.0' },
    ]);
    expect(d.rollbacks).toEqual([{ at: iso(25), from: '1.2.0', to: '1.1.0' }]);
    expect(d.overlaps).toEqual([
      {
        from: iso(35),
        to: iso(45),
        versions: [
          { version: '1.1.0', requests: 600, share: 0.9091 },
          { version: '1.3.0', requests: 60, share: 0.0909 },
        ],
      },
    ]);
  });

  it('keeps environments apart', async () => {
    const r = await deployments(store.client, { environment: 'staging' });
    expect(r.deployments.map((d) => [d.service, d.environment, d.live])).toEqual([['chat-api', 'staging', ['9.0.0']]]);
  });
});

describe('errors', () => {
  it('groups a version\'s errors by span name and message pattern', async () => {
    const r = await errors(store.client, { ...prod, version: '1.2.0' });
    expect(r.newInCandidate).toBeNull();
    expect(r.errors.map((e) => [e.spanName, e.message, e.count, e.requestErrors])).toEqual([
      ['POST /chat', 'context length exceeded after <n> tokens', 20, 20],
      ['POST /chat', 'upstream timeout', 10, 10],
    ]);
    expect(r.errors[0].example).toBe('context length exceeded after 4096 tokens');
  });

  it('finds the errors new in the candidate', async () => {
    const r = await errors(store.client, { ...prod, baseline: '1.1.0', candidate: '1.2.0' });
    expect(r.errors.map((e) => [e.message, e.count, e.baselineCount, e.isNew])).toEqual([
      ['context length exceeded after <n> tokens', 20, 0, true],
      ['upstream timeout', 10, 12, false],
    ]);
    expect(r.newInCandidate!.map((e) => e.message)).toEqual(['context length exceeded after <n> tokens']);
  });
});

describe('error rate over time', () => {
  it('buckets each version\'s requests and errors', async () => {
    const r = await errorRate(store.client, { ...prod, bucketSeconds: 3600 });
    expect(r.bucketSeconds).toBe(3600);
    const v12 = r.series.find((s) => s.version === '1.2.0')!;
    expect([v12.requests, v12.errors]).toEqual([300, 30]);
    expect(v12.points.map((p) => [p.time, p.requests])).toEqual([
      [new Date(at(20)).toISOString(), 60],
      [new Date(at(21)).toISOString(), 60],
      [new Date(at(22)).toISOString(), 60],
      [new Date(at(23)).toISOString(), 60],
      [new Date(at(24)).toISOString(), 60],
    ]);
    expect(r.series.map((s) => s.version)).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0']);
  });

  it('chooses the bucket size from the range', async () => {
    const r = await errorRate(store.client, prod);
    // 50 hours of data in at most 200 buckets: 15 minutes.
    expect(r.bucketSeconds).toBe(900);
  });
});

describe('latency distribution', () => {
  it('gives every version the same log buckets and its own counts and quantiles', async () => {
    const r = await latency(store.client, { ...prod, versions: ['1.0.0', '1.3.0'] });
    expect(r.series.map((s) => [s.version, s.requests])).toEqual([['1.0.0', 600], ['1.3.0', 360]]);
    // Durations 100…298 ms: buckets from 10^2.0 = 100 ms to 10^2.5 ≈ 316 ms.
    expect(r.buckets[0].lowerMs).toBe(100);
    expect(r.buckets[r.buckets.length - 1].upperMs).toBeCloseTo(316.227766, 5);
    for (const s of r.series) expect(s.counts.reduce((a, b) => a + b, 0)).toBe(s.requests);
    // 100, 102, …, 124 ms (13 values, 6 requests each) fall in [100, 125.9).
    expect(r.series[0].counts[0]).toBe(78);
    expect(r.series[0].latencyMs.p50).toBe(200);
  });
});

describe('sessions', () => {
  it('lists a version\'s sessions, most recently active first', async () => {
    const r = await sessions(store.client, { ...prod, version: '1.2.0', limit: 3 });
    expect(r.sessions.map((s) => [s.sessionId, s.turns])).toEqual([
      ['sa-49', 3],
      ['sa-48', 3],
      ['sa-47', 3],
    ]);
    expect(r.sessions[0].versions).toEqual(['1.2.0']);
    // Turns at minutes 147, 148, 149 of the population, each lasting 200 · (0.5 + i % 100 / 100) ms.
    expect(r.sessions[0].durationMs).toBeCloseTo(2 * 60_000 + 200 * (0.5 + 49 / 100), 3);
  });

  it('gives one session\'s requests in order with their traces\' spans and tokens', async () => {
    const s = await session(store.client, 'sa-0');
    expect(s).toMatchObject({ sessionId: 'sa-0', turns: 3, errors: 0 });
    expect(s!.traces.map((t) => [t.start, t.spans, t.inputTokens])).toEqual([
      [new Date(at(20)).toISOString(), 3, 105],
      [new Date(at(20) + MINUTE).toISOString(), 3, 95],
      [new Date(at(20) + 2 * MINUTE).toISOString(), 3, 105],
    ]);
    expect(await session(store.client, 'no-such-session')).toBeNull();
  });
});

describe('search', () => {
  it('pages through matches newest first with a cursor', async () => {
    const filter = "attributes.status = 'ERROR' AND version = '1.2.0'";
    const first = await search(store.client, { filter, limit: 20 });
    expect(first.traces).toHaveLength(20);
    expect(first.nextCursor).not.toBeNull();
    const second = await search(store.client, { filter, limit: 20, cursor: first.nextCursor! });
    expect(second.traces).toHaveLength(10);
    expect(second.nextCursor).toBeNull();
    const all = [...first.traces, ...second.traces];
    expect(new Set(all.map((t) => t.traceId)).size).toBe(30);
    const starts = all.map((t) => BigInt(t.startUnixNano));
    expect(starts.every((s, i) => i === 0 || s <= starts[i - 1])).toBe(true);
    expect(all.every((t) => t.status === 'Error' && t.version === '1.2.0')).toBe(true);
  });

  it('pages oldest first and by duration with MLflow order_by, every match once', async () => {
    for (const orderBy of ['timestamp_ms ASC', 'execution_time_ms DESC']) {
      const all: Array<{ traceId: string; startUnixNano: string; durationMs: number }> = [];
      let cursor: string | undefined;
      do {
        const page = await search(store.client, { filter: "version = '1.1.0' AND commit = 'c110'", orderBy, limit: 400, cursor });
        all.push(...page.traces);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(all, orderBy).toHaveLength(1800);
      expect(new Set(all.map((t) => t.traceId)).size).toBe(1800);
      const keys = all.map((t) => (orderBy.startsWith('timestamp') ? Number(BigInt(t.startUnixNano) / 1000n) : -t.durationMs));
      expect(keys.every((k, i) => i === 0 || k >= keys[i - 1]), orderBy).toBe(true);
    }
  });

  it.each([
    // The environment is a resource attribute (deployment.environment.name) on most of these traces
    // and the MLflow-style `environment` tag on 1.0.0's: the well-known tag reads the fact either way.
    ["tags.environment = 'production'", 3060],
    ["tags.environment != 'staging'", 3060],
    ["tags.nonexistent != 'x'", 0],
    ["attributes.execution_time_ms > 290 AND version = '1.0.0'", 24],
    ["span.attributes.gen_ai.request.model = 'gpt-4o-mini'", 150],
    ["span.name = 'step 2' AND status = 'OK'", 140],
    // With a version, the span sub-queries read only the hours that version served.
    ["version = '1.2.0' AND span.attributes.gen_ai.request.model = 'gpt-4o-mini'", 150],
    ["version IN ('1.0.0', '1.2.0') AND span.name = 'step 2'", 150],
    ["version = '1.2.0' AND attributes.environment = 'production'", 0],
    ["version = '1.0.0' AND attributes.environment = 'production'", 600],
    ["version = '9.9.9' AND span.name = 'step 2'", 0],
    ["(version = '1.0.0' OR version = '1.3.0') AND status = 'ERROR'", 9],
    ["version IN ('1.2.0', '1.3.0') AND environment = 'production'", 660],
    ["version NOT IN ('1.1.0') AND environment != 'staging'", 1260],
    ["session LIKE 'sa-1%' AND turn_free_text_is_not_a_field = 'x'", -1],
    ["session LIKE 'sa-1_'", 30],
    ["session ILIKE 'SA-4%'", 33],
    ["metadata.`mlflow.trace.session` = 'stg-0'", 2],
    ["commit = 'c130' AND attributes.status != 'ERROR'", 357],
    ["version = '1'' OR 1=1 --'", 0],
    ["tags.`x'] OR 1=1 --` = 'y'", 0],
    ["name = 'a''); DROP TABLE otel_traces; --'", 0],
  ])('%s → %i traces', async (filter, expected) => {
    if (expected < 0) {
      await expect(search(store.client, { filter })).rejects.toMatchObject({ code: 'FILTER_SYNTAX' });
      return;
    }
    const r = await search(store.client, { filter, limit: 10_000 });
    expect(r.traces).toHaveLength(expected);
  });

  it('still has all its spans after the injection attempts', async () => {
    const res = await store.client.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' });
    expect((await res.json<{ n: number }>())[0].n).toBe(3060 + 300 + 100);
  });
});

describe('trace', () => {
  it('returns one trace as a tree with its spans in start order', async () => {
    const { traces } = await search(store.client, { filter: "session = 'sa-0'", limit: 1 });
    const t = await trace(store.client, traces[0].traceId.toUpperCase());
    expect(t).toMatchObject({ traceId: traces[0].traceId, spanCount: 3, services: ['chat-api'], sessionId: 'sa-0' });
    expect(t!.roots).toHaveLength(1);
    expect(t!.roots[0].name).toBe('POST /chat');
    expect(t!.roots[0].children.map((c) => c.name)).toEqual(['chat gpt-4o-mini', 'step 2']);
    expect(t!.roots[0].children[0].attributes['gen_ai.usage.input_tokens']).toBe('105');
  });

  it('answers null for an unknown trace and rejects a malformed id', async () => {
    expect(await trace(store.client, '0'.repeat(32))).toBeNull();
    await expect(trace(store.client, "x' OR 1=1")).rejects.toMatchObject({ code: 'INVALID_QUERY_INPUT' });
  });
});

describe('filterHints', () => {
  const scope = { ...prod, range: { fromMs: at(0), toMs: at(50) } };
  it('names the condition that matches nothing, with the nearest values of its field, nearest first', async () => {
    expect(await filterHints(store.client, "status = 'ERROR' AND version = '1.2.1'", scope)).toEqual({
      requests: 0,
      hints: ["version = '1.2.1' matches no request; nearest values of version: '1.2.0', '1.1.0', '1.0.0'"],
    });
  });
  it('says when the conditions match apart but never together, and when the scope holds nothing', async () => {
    expect((await filterHints(store.client, "version = '1.0.0' AND version = '1.3.0'", scope)).hints).toEqual(['each condition matches some requests, but no request matches the whole filter']);
    expect((await filterHints(store.client, "version = '1.0.0'", { ...scope, range: { fromMs: at(-100), toMs: at(-99) } })).hints).toEqual([
      'no requests at all in this scope (service, environment, time range): nothing for a filter to match',
    ]);
  });
  it('answers only with a count when the filter matches', async () => {
    expect(await filterHints(store.client, "version = '1.2.0' AND status = 'ERROR'", scope)).toEqual({ requests: 30, hints: [] });
  });
});

describe('every answer is exactly its declaration', () => {
  // The API serialises answers with the declared schema (undeclared fields dropped, missing ones an
  // error); here each question's real answer must match it field for field, with nothing extra.
  it('for each question on the seeded data', async () => {
    const { Value } = await import('@sinclair/typebox/value');
    const { FormatRegistry } = await import('@sinclair/typebox');
    // TypeBox checks formats it is told about; the API's validator knows date-time already.
    if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v));
    const { QUESTIONS } = await import('../../queries/questions.js');
    const scope = { service: 'chat-api', env: 'production' };
    const someTrace = (await search(store.client, { service: 'chat-api', environment: 'production', limit: 1 })).traces[0].traceId;
    const asked: Array<[keyof typeof QUESTIONS, Record<string, unknown>, Record<string, string>]> = [
      ['versions', scope, {}],
      ['compare', { ...scope, baseline: '1.1.0', candidate: '1.2.0', by: 'name' }, {}],
      ['errors', { ...scope, baseline: '1.1.0', candidate: '1.2.0' }, {}],
      ['errorRate', scope, {}],
      ['timeseries', scope, {}],
      ['latency', scope, {}],
      ['deployments', scope, {}],
      ['sessions', scope, {}],
      ['session', {}, { id: 'sa-0' }],
      ['search', { ...scope, filter: "attributes.status = 'ERROR'" }, {}],
      ['trace', {}, { traceId: someTrace }],
      ['feedback', { trace: someTrace, history: true }, {}],
      ['filterHints', { ...scope, filter: "version = '1.2.1' AND attributes.colour = 'x'" }, {}],
    ];
    expect(asked.map(([name]) => name).sort()).toEqual(Object.keys(QUESTIONS).sort());
    for (const [name, params, path] of asked) {
      const question = QUESTIONS[name];
      const answer = await question.run(store.client, params as never, path);
      expect(answer, name).not.toBeNull();
      const problems = [...Value.Errors(question.response, answer)].map((e) => `${name}${e.path}: ${e.message}`);
      expect(problems).toEqual([]);
    }
  });
});
