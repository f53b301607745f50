// compare --by shows each group's cost per request and main feedback rates, with exact numbers:
// 1.1.0 (gpt-4o-mini) against 1.2.0 (gpt-4o), each half POST /chat and half POST /search. Users
// like 1.2.0's chat less (90 % → 50 % thumbs-up) and its search as much (75 %); both cost more.
// From the rollups (versions) and from the settled traces (filters, an attribute key) alike; the
// CLI's table and --json carry them.
import { calcPrice } from '@pydantic/genai-prices';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare, type CompareOptions } from '../../queries/compare/compare.js';
import type { CompareResult } from '../../queries/compare/schema.js';
import { applySchema } from '../../schema/apply-schema.js';
import { loadConfig } from '../../store/config.js';
import { openStore, type Store } from '../../store/store.js';
import { runCli } from '../helpers/run-cli.js';
import { seed, T0 } from '../helpers/seed-spans.js';

const dataDir = mkdtempSync(join(tmpdir(), 'verdict-breakdown-quality-'));
let store: Store | undefined;
let byName: CompareResult;
let byNameRaw: CompareResult;
let byAttribute: CompareResult;
let byModel: CompareResult;

const pop = { service: 'chat-api', environment: 'production', requests: 80, errors: 0, spacingMs: 30_000, latencyMs: 200, children: 1, inputTokens: 1000, outputTokens: 200, names: ['POST /chat', 'POST /search'] };
// Thumbs-up per (version, request name): the first k of each group's 40 traces (by start) are true.
const THUMBS_UP = `
INSERT INTO verdict_assessments (AssessmentId, TraceId, Name, Kind, ValueType, Score, Label, Value, SourceType, SourceId, Origin, Timestamp)
SETTINGS async_insert = 0
SELECT concat('thumbs-', TraceId), TraceId, 'thumbs_up', 'feedback', 'boolean', toFloat64(up), if(up, 'true', 'false'), if(up, 'true', 'false'), 'HUMAN', 'user', 'api',
    Timestamp + toIntervalSecond(5)
FROM (
    SELECT TraceId, Timestamp,
        row_number() OVER (PARTITION BY AppVersion, SpanName ORDER BY Timestamp) <= multiIf(AppVersion = '1.1.0' AND SpanName = 'POST /chat', 36, AppVersion = '1.2.0' AND SpanName = 'POST /chat', 20, 30) AS up
    FROM otel_traces WHERE ParentSpanId = ''
)`;

const prod = { service: 'chat-api', environment: 'production' };
const versions: CompareOptions = { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' }, minRequests: 30 };
// The same sides as filters: compare reads the settled traces instead of the rollups.
const filters: CompareOptions = { ...prod, baseline: { filter: "version = '1.1.0'" }, candidate: { filter: "version = '1.2.0'" }, minRequests: 30 };

// Request i's tokens are 1000 ± 5 and 200 ± 5 (+ for even i: POST /chat; − for odd: POST /search).
const price = (model: string, sign: 1 | -1) =>
  calcPrice({ input_tokens: 1000 + 5 * sign, output_tokens: 200 + 5 * sign }, model, { providerId: 'openai', timestamp: new Date(T0) })!.total_price;

beforeAll(async () => {
  store = openStore(loadConfig({}, { 'data-dir': dataDir }));
  await applySchema(store.client);
  await seed(store.client, { ...pop, version: '1.1.0', startMs: T0, model: 'gpt-4o-mini', attributes: { 'app.route': 'chat' } });
  await seed(store.client, { ...pop, version: '1.2.0', startMs: T0 + 3_600_000, model: 'gpt-4o', attributes: { 'app.route': 'chat' } });
  await store.client.command({ query: THUMBS_UP });
  await store.settle();
  byName = await compare(store.client, { ...versions, by: 'name' });
  byNameRaw = await compare(store.client, { ...filters, by: 'name' });
  byAttribute = await compare(store.client, { ...filters, by: 'gen_ai.request.model' });
  byModel = await compare(store.client, { ...versions, by: 'model' });
  // The CLI opens the data folder itself.
  await store.close();
  store = undefined;
}, 60_000);

afterAll(async () => {
  await store?.close();
});

describe('compare --by with cost and feedback', () => {
  it('gives each request name its cost per request and thumbs-up rate, from the rollups and from the settled traces alike', () => {
    for (const r of [byName, byNameRaw]) {
      const groups = Object.fromEntries(r.breakdown!.groups.map((g) => [g.key, g]));
      expect(Object.keys(groups).sort()).toEqual(['POST /chat', 'POST /search']);
      const chat = groups['POST /chat'];
      const search = groups['POST /search'];
      expect(chat.cost.baseline.perRequestUsd).toBeCloseTo(price('gpt-4o-mini', 1), 12);
      expect(chat.cost.candidate.perRequestUsd).toBeCloseTo(price('gpt-4o', 1), 12);
      expect(search.cost.baseline.perRequestUsd).toBeCloseTo(price('gpt-4o-mini', -1), 12);
      expect(search.cost.candidate.perRequestUsd).toBeCloseTo(price('gpt-4o', -1), 12);
      expect(chat.cost.baseline.totalUsd).toBeCloseTo(40 * price('gpt-4o-mini', 1), 10);
      expect([chat.cost.verdict, search.cost.verdict], JSON.stringify(chat.cost)).toEqual(['worse', 'worse']);
      expect(chat.quality.map((m) => [m.name, m.type, m.baseline.count, m.baseline.value, m.baseline.coverage, m.candidate.count, m.candidate.value])).toEqual([
        ['thumbs_up', 'boolean', 40, 0.9, 1, 40, 0.5],
      ]);
      expect(chat.quality[0].delta).toBeCloseTo(-0.4, 12);
      expect(chat.quality[0].verdict).toBe('worse');
      expect(search.quality.map((m) => [m.baseline.value, m.candidate.value, m.delta, m.verdict])).toEqual([[0.75, 0.75, 0, 'no_significant_difference']]);
    }
    // The whole comparison is still the sum of its groups: 66 of 80 against 50 of 80.
    expect(byName.quality.map((m) => [m.baseline.value, m.candidate.value])).toEqual([[33 / 40, 25 / 40]]);
  });

  it('by model and by an attribute key: a group served by one side only has that side alone', () => {
    for (const r of [byModel, byAttribute]) {
      const groups = Object.fromEntries(r.breakdown!.groups.map((g) => [g.key, g]));
      expect(Object.keys(groups).sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
      const mini = groups['gpt-4o-mini'];
      expect(mini.cost.baseline.perRequestUsd).toBeCloseTo((price('gpt-4o-mini', 1) + price('gpt-4o-mini', -1)) / 2, 12);
      expect(mini.cost.candidate.perRequestUsd).toBeNull();
      expect(mini.cost.verdict).toBe('insufficient_data');
      expect(mini.quality.map((m) => [m.baseline.value, m.candidate.value, m.verdict])).toEqual([[33 / 40, null, 'insufficient_data']]);
      expect(groups['gpt-4o'].quality.map((m) => [m.baseline.value, m.candidate.value])).toEqual([[null, 25 / 40]]);
    }
  });

  it('prints them in the breakdown table, and --json has them', async () => {
    const text = await runCli(['compare', '--data-dir', dataDir, '--service', 'chat-api', '--env', 'production', '--baseline', '1.1.0', '--candidate', '1.2.0', '--by', 'name', '--min-requests', '30', '--no-color']);
    expect(text.code, text.stderr).toBe(0);
    const table = text.stdout.slice(text.stdout.indexOf('by name:'));
    const line = (key: string) => table.split('\n').find((l) => l.startsWith(key))!.replace(/ +/g, ' ');
    const usd = (v: number) => `$${v.toPrecision(3)}`;
    expect(table.split('\n')[1]).toMatch(/cost\/request +thumbs_up/);
    expect(line('POST /chat')).toContain(`${usd(price('gpt-4o-mini', 1))} → ${usd(price('gpt-4o', 1))} (worse)`);
    expect(line('POST /chat')).toContain('90.0 % → 50.0 % (worse)');
    expect(line('POST /search')).toMatch(/75\.0 % → 75\.0 %\s*$/);
    const json = await runCli(['compare', '--json', '--data-dir', dataDir, '--service', 'chat-api', '--env', 'production', '--baseline', '1.1.0', '--candidate', '1.2.0', '--by', 'name', '--min-requests', '30']);
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as CompareResult;
    expect(doc.breakdown!.groups.map((g) => [g.key, g.quality[0].baseline.value, g.quality[0].candidate.value, g.cost.verdict])).toEqual([
      ['POST /chat', 0.9, 0.5, 'worse'],
      ['POST /search', 0.75, 0.75, 'worse'],
    ]);
  });
});
