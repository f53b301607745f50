// docs/grafana-dashboard.json parses, uses only what the Grafana ClickHouse plugin expands, and every
// query in it (variables, panels, annotations) runs read-only against the embedded store and
// answers the version questions correctly for spans sent through the collector. Variables carry
// hex as their value and the text as their label, so service, environment and version names with
// quotes and backslashes (span attributes anyone with an ingest key controls) select exactly their
// own rows, where Grafana's sqlstring quoting alone lets them break or widen every query.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { runReadOnlySql } from '../queries/read-only-sql.js';
import { postOtlp, startTestCollector } from './helpers/in-process-collector.js';

const DASHBOARD = JSON.parse(readFileSync(new URL('../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as Dashboard;

interface Target {
  refId: string;
  datasource: { type: string; uid: string };
  editorType: string;
  format: number;
  queryType: string;
  rawSql: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource: { type: string; uid: string };
  targets: Target[];
}
interface Variable {
  name: string;
  type: string;
  query: string;
  datasource?: { type: string; uid: string };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations: { list: Array<{ name: string; builtIn?: number; target?: Target; datasource: { type: string; uid: string } }> };
}

const PLUGIN = 'grafana-clickhouse-datasource';
const FROM = Date.UTC(2026, 2, 1, 9, 30) / 1000;
const TO = Date.UTC(2026, 2, 1, 11, 0) / 1000;
const INTERVAL_S = 60;

/**
 * The plugin's macros, expanded exactly as its backend does (grafana/clickhouse-datasource,
 * pkg/macros/macros.go). Anything else is an error: the dashboard must use only these.
 */
function expandMacros(sql: string): string {
  return sql.replace(/\$__(\w+)(?:\(([^()]*)\))?/g, (_m, name: string, arg: string | undefined) => {
    switch (name) {
      case 'timeFilter':
        return `${arg} >= toDateTime(${FROM}) AND ${arg} <= toDateTime(${TO})`;
      case 'timeInterval':
        return `toStartOfInterval(toDateTime(${arg}), INTERVAL ${INTERVAL_S} second)`;
      case 'fromTime':
        return `toDateTime(${FROM})`;
      case 'toTime':
        return `toDateTime(${TO})`;
      case 'interval_s':
        return String(INTERVAL_S);
      default:
        throw new Error(`$__${name} is not a macro of the ClickHouse plugin`);
    }
  });
}

/**
 * Grafana's `sqlstring` format (grafana/grafana, formatRegistry.ts): each value quoted, quotes doubled,
 * comma-separated. Backslashes are left alone, and ClickHouse reads them as escapes.
 */
const sqlstring = (values: string[]): string => values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');

/** Grafana's interpolation of ${name:sqlstring}; any other variable syntax left in is an error. */
function interpolate(sql: string, vars: Record<string, string[]>): string {
  const out = sql.replace(/\$\{(\w+):sqlstring\}/g, (_m, name: string) => {
    if (!vars[name]) throw new Error(`no value for variable ${name}`);
    return sqlstring(vars[name]);
  });
  const left = /\$\{?\w+/.exec(out.replace(/\$__\w+/g, ''));
  if (left) throw new Error(`uninterpolated variable ${left[0]} (use \${name:sqlstring})`);
  return expandMacros(out);
}

let c: RunningCollector;
async function run(sql: string, vars: Record<string, string[]>): Promise<Record<string, unknown>[]> {
  await c.flush();
  // As a read-only Grafana user would: through the read-only session.
  return (await runReadOnlySql(c.store.userSql, { sql: interpolate(sql, vars) })).rows;
}

// ---- data: two versions of "shop" in production (the second with a quote in its name), a
// staging deployment and another service, each request a server span with an LLM child span ----

const nanos = (iso: string, plusMs = 0): string => String(BigInt(Date.parse(iso) + plusMs) * 1_000_000n);
let spanSeq = 0;
const hexId = (n: number, len: number): string => n.toString(16).padStart(len, '0');

interface Requests {
  service: string;
  environment: string;
  version: string;
  commit: string;
  start: string;
  count: number;
  baseMs: number;
  errors: number[];
  inputTokens: number;
  outputTokens: number;
}

function resourceSpans(r: Requests): object {
  const spans: object[] = [];
  for (let i = 0; i < r.count; i++) {
    const traceId = hexId(++spanSeq, 32);
    const rootId = hexId(spanSeq, 16);
    const startMs = i * 30_000;
    const durationMs = r.baseMs + i * 10;
    spans.push({
      traceId,
      spanId: rootId,
      name: 'POST /checkout',
      kind: 2,
      startTimeUnixNano: nanos(r.start, startMs),
      endTimeUnixNano: nanos(r.start, startMs + durationMs),
      status: r.errors.includes(i) ? { code: 2, message: 'failed' } : { code: 1 },
    });
    spans.push({
      traceId,
      spanId: hexId(spanSeq + 0x10000, 16),
      parentSpanId: rootId,
      name: 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: nanos(r.start, startMs + 1),
      endTimeUnixNano: nanos(r.start, startMs + durationMs - 1),
      attributes: [
        { key: 'gen_ai.usage.input_tokens', value: { intValue: String(r.inputTokens) } },
        { key: 'gen_ai.usage.output_tokens', value: { intValue: String(r.outputTokens) } },
      ],
    });
  }
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  return {
    resource: {
      attributes: [
        attr('service.name', r.service),
        attr('service.version', r.version),
        attr('deployment.environment.name', r.environment),
        attr('vcs.ref.head.revision', r.commit),
      ],
    },
    scopeSpans: [{ scope: { name: 'grafana-test' }, spans }],
  };
}

const V1 = '1.0.0';
const V2 = "1.1.0'rc";
const C1 = 'aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111';
const C2 = 'bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222';
// Names ending in a backslash, and one that is an injection under plain sqlstring quoting.
const EVIL_SERVICE = "o'brien\\";
const EVIL_ENV = 'prod\\';
const EVIL_V1 = 'a\\';
const EVIL_V2 = "x\\' OR 1=1 --";
const DATA: Requests[] = [
  { service: 'shop', environment: 'production', version: V1, commit: C1, start: '2026-03-01T10:00:00Z', count: 10, baseMs: 100, errors: [3], inputTokens: 100, outputTokens: 20 },
  { service: 'shop', environment: 'production', version: V2, commit: C2, start: '2026-03-01T10:05:00Z', count: 10, baseMs: 200, errors: [0, 1, 2, 3], inputTokens: 150, outputTokens: 30 },
  { service: 'shop', environment: 'staging', version: V2, commit: C2, start: '2026-03-01T10:02:00Z', count: 3, baseMs: 50, errors: [], inputTokens: 1, outputTokens: 1 },
  { service: 'other', environment: 'production', version: '9', commit: '', start: '2026-03-01T10:00:00Z', count: 2, baseMs: 5, errors: [0, 1], inputTokens: 0, outputTokens: 0 },
  { service: EVIL_SERVICE, environment: EVIL_ENV, version: EVIL_V1, commit: '', start: '2026-03-01T10:00:00Z', count: 2, baseMs: 5, errors: [], inputTokens: 0, outputTokens: 0 },
  { service: EVIL_SERVICE, environment: EVIL_ENV, version: EVIL_V2, commit: '', start: '2026-03-01T10:03:00Z', count: 3, baseMs: 5, errors: [], inputTokens: 0, outputTokens: 0 },
];
/** What ClickHouse's hex() makes of a string: the value a variable carries. */
const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex').toUpperCase();
const VARS = { service: [hex('shop')], environment: [hex('production')], version: [hex(V2), hex(V1)] };

beforeAll(async () => {
  c = await startTestCollector();
  const res = await postOtlp(c, JSON.stringify({ resourceSpans: DATA.map(resourceSpans) }), { 'content-type': 'application/json' });
  expect(res.status).toBe(200);
  // A thumbs-up on every trace, for the "Feedback by version" panel.
  await c.flush();
  const traces = await (await c.store.client.query({ query: 'SELECT DISTINCT TraceId AS t FROM otel_traces', format: 'JSONEachRow' })).json<{ t: string }>();
  const feedback = await fetch(`${c.apiUrl}/api/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(traces.map(({ t }) => ({ trace_id: t, name: 'thumbs_up', value: true }))) });
  expect(feedback.status).toBe(200);
  await c.flush();
});
afterAll(async () => {
  await c?.close();
});

const panel = (title: string): Panel => {
  const p = DASHBOARD.panels.find((x) => x.title === title);
  if (!p) throw new Error(`no panel "${title}"`);
  return p;
};
const variable = (name: string): Variable => DASHBOARD.templating.list.find((v) => v.name === name)!;

interface Option {
  value: string;
  text: string;
}
/** A query variable's options as the plugin reads them (CHDatasource.metricFindQuery): first column the value, second the text. */
async function options(name: string, vars: Record<string, string[]>): Promise<Option[]> {
  return (await run(variable(name).query, vars)).map((r) => {
    const [value, text] = Object.values(r) as string[];
    return { value, text };
  });
}

describe('docs/grafana-dashboard.json', () => {
  it('is a provisionable dashboard whose every query goes to the chosen ClickHouse data source', () => {
    expect(DASHBOARD).toMatchObject({ uid: 'verdict-versions', title: expect.any(String) });
    expect(variable('datasource')).toMatchObject({ type: 'datasource', query: PLUGIN });
    const targets = [
      ...DASHBOARD.panels.flatMap((p) => {
        expect(p.datasource).toEqual({ type: PLUGIN, uid: '${datasource}' });
        return p.targets.map((t) => ({ panel: p, t }));
      }),
    ];
    expect(targets.length).toBeGreaterThanOrEqual(5);
    for (const { panel: p, t } of targets) {
      expect(t).toMatchObject({ datasource: { type: PLUGIN, uid: '${datasource}' }, editorType: 'sql', rawSql: expect.any(String) });
      // The plugin turns long rows into one series per version only for the time-series format (0).
      if (p.type === 'timeseries') expect(t).toMatchObject({ format: 0, queryType: 'timeseries' });
      else expect(t).toMatchObject({ format: 1, queryType: 'table' });
    }
    for (const v of DASHBOARD.templating.list.filter((x) => x.type === 'query')) {
      expect(v.datasource).toEqual({ type: PLUGIN, uid: '${datasource}' });
      // Options come only from the data, as hex: a typed-in value would reach the SQL as text.
      expect(v).toMatchObject({ allowCustomValue: false, query: expect.stringMatching(/^SELECT (DISTINCT )?hex\((\w+)\) AS value, \2 AS label /) });
    }
    const deployments = DASHBOARD.annotations.list.find((a) => a.name === 'Deployments');
    expect(deployments?.target?.rawSql).toEqual(expect.any(String));
  });

  it('uses a variable only decoded from hex: unhex(${v:sqlstring}) or hex(column) IN (${v:sqlstring})', () => {
    const all = [
      ...DASHBOARD.panels.flatMap((p) => p.targets.map((t) => t.rawSql)),
      ...DASHBOARD.templating.list.filter((v) => v.type === 'query').map((v) => v.query),
      ...DASHBOARD.annotations.list.flatMap((a) => (a.target ? [a.target.rawSql] : [])),
    ].join('\n');
    const uses = all.match(/\$\{\w+:sqlstring\}/g) ?? [];
    const decoded = all.match(/unhex\(\$\{\w+:sqlstring\}\)|hex\(\w+\) IN \(\$\{\w+:sqlstring\}\)/g) ?? [];
    expect(uses.length).toBeGreaterThan(10);
    expect(decoded).toHaveLength(uses.length);
  });

  it('every query, macros expanded as the plugin does, runs against the embedded store', async () => {
    const all = [
      ...DASHBOARD.panels.flatMap((p) => p.targets.map((t) => t.rawSql)),
      ...DASHBOARD.templating.list.filter((v) => v.type === 'query').map((v) => v.query),
      ...DASHBOARD.annotations.list.flatMap((a) => (a.target ? [a.target.rawSql] : [])),
    ];
    expect(all.length).toBeGreaterThanOrEqual(9);
    for (const sql of all) expect((await run(sql, VARS)).length).toBeGreaterThan(0);
  });

  it('variables list services, then that service’s environments, then its versions newest first, each valued by its hex', async () => {
    const pair = (text: string): Option => ({ value: hex(text), text });
    expect(await options('service', {})).toEqual([EVIL_SERVICE, 'other', 'shop'].map(pair));
    expect(await options('environment', { service: VARS.service })).toEqual(['production', 'staging'].map(pair));
    expect(await options('version', { service: VARS.service, environment: VARS.environment })).toEqual([V2, V1].map(pair));
  });

  it('"Versions in range": requests, error rate, latency and tokens per version', async () => {
    const got = await run(panel('Versions in range').targets[0].rawSql, VARS);
    expect(got.map((r) => [r.version, Number(r.requests), r.error_rate, r.input_tokens_per_request, r.output_tokens_per_request, r.first_seen, r.last_seen])).toEqual([
      // First and last seen are the first and last request (a trace's child spans start later).
      [V2, 10, 0.4, 150, 30, '2026-03-01 10:05:00.000000000', '2026-03-01 10:09:30.000000000'],
      [V1, 10, 0.1, 100, 20, '2026-03-01 10:00:00.000000000', '2026-03-01 10:04:30.000000000'],
    ]);
    // Quantiles come from the merged latency histogram (1 % buckets, each read at its middle):
    // within 0.5 % of the request durations' range, and ordered.
    for (const [r, min, max] of [[got[0], 200, 290], [got[1], 100, 190]] as const) {
      const [p50, p95, p99] = [Number(r.p50_ms), Number(r.p95_ms), Number(r.p99_ms)];
      expect(p50).toBeGreaterThanOrEqual(min * 0.995);
      expect(p99).toBeLessThanOrEqual(max * 1.005);
      expect(p50).toBeLessThanOrEqual(p95);
      expect(p95).toBeLessThanOrEqual(p99);
    }
  });

  it('"Versions in range" follows the version variable (one version selected)', async () => {
    const got = await run(panel('Versions in range').targets[0].rawSql, { ...VARS, version: [hex(V1)] });
    expect(got.map((r) => r.version)).toEqual([V1]);
  });

  it('"Error rate by version" and "Requests by version": one point per version and minute', async () => {
    const errors = await run(panel('Error rate by version').targets[0].rawSql, VARS);
    const minute = (m: number) => `2026-03-01 10:0${m}:00`;
    expect(errors.map((r) => [r.time, r.version, r.error_rate])).toEqual([
      [minute(0), V1, 0],
      [minute(1), V1, 0.5],
      [minute(2), V1, 0],
      [minute(3), V1, 0],
      [minute(4), V1, 0],
      [minute(5), V2, 1],
      [minute(6), V2, 1],
      [minute(7), V2, 0],
      [minute(8), V2, 0],
      [minute(9), V2, 0],
    ]);
    const requests = await run(panel('Requests by version').targets[0].rawSql, VARS);
    expect(requests).toHaveLength(10);
    for (const r of requests) expect(Number(r.requests)).toBe(2);
  });

  it('"p95 latency by version": within each minute’s two request durations', async () => {
    const got = await run(panel('p95 latency by version').targets[0].rawSql, VARS);
    expect(got).toHaveLength(10);
    for (const [i, r] of got.entries()) {
      const [base, k] = i < 5 ? [100, i] : [200, i - 5];
      expect(Number(r.p95_ms)).toBeGreaterThanOrEqual((base + 2 * k * 10) * 0.995);
      expect(Number(r.p95_ms)).toBeLessThanOrEqual((base + (2 * k + 1) * 10) * 1.005);
    }
  });

  it('"Deployments" and the deployment annotations: each version and commit with when it was first and last seen', async () => {
    const deployments = await run(panel('Deployments').targets[0].rawSql, VARS);
    expect(deployments.map((r) => [r.version, r.commit, r.first_seen, r.last_seen, Number(r.requests), r.error_rate])).toEqual([
      [V2, C2, '2026-03-01 10:05:00.000000000', '2026-03-01 10:09:30.000000000', 10, 0.4],
      [V1, C1, '2026-03-01 10:00:00.000000000', '2026-03-01 10:04:30.000000000', 10, 0.1],
    ]);
    const annotations = await run(DASHBOARD.annotations.list.find((a) => a.name === 'Deployments')!.target!.rawSql, VARS);
    expect(annotations.map((r) => [r.time, r.title, r.text, r.tags])).toEqual([
      ['2026-03-01 10:00:00.000000000', `version ${V1} first seen`, `${V1} @ ${C1.slice(0, 12)}`, 'deployment'],
      ['2026-03-01 10:05:00.000000000', `version ${V2} first seen`, `${V2} @ ${C2.slice(0, 12)}`, 'deployment'],
    ]);
  });
});

describe('names with quotes and backslashes (span attributes, so anyone with an ingest key chooses them)', () => {
  it('travel as hex and select exactly their own rows in every variable, panel and annotation', async () => {
    const service = (await options('service', {})).find((o) => o.text === EVIL_SERVICE)!;
    const environments = await options('environment', { service: [service.value] });
    expect(environments.map((o) => o.text)).toEqual([EVIL_ENV]);
    const scope = { service: [service.value], environment: [environments[0].value] };
    const versions = await options('version', scope);
    expect(versions.map((o) => o.text)).toEqual([EVIL_V2, EVIL_V1]);
    for (const [o, requests] of [[versions[0], 3], [versions[1], 2]] as const) {
      const got = await run(panel('Versions in range').targets[0].rawSql, { ...scope, version: [o.value] });
      expect(got.map((r) => [r.version, Number(r.requests)])).toEqual([[o.text, requests]]);
    }
    const vars = { ...scope, version: versions.map((o) => o.value) };
    for (const sql of [...DASHBOARD.panels.flatMap((p) => p.targets.map((t) => t.rawSql)), DASHBOARD.annotations.list.find((a) => a.name === 'Deployments')!.target!.rawSql]) {
      const got = await run(sql, vars);
      expect(new Set(got.map((r) => r.version ?? String(r.text).split(' @ ')[0]))).toEqual(new Set([EVIL_V1, EVIL_V2]));
    }
  });

  it('as plain text under sqlstring, a trailing backslash breaks the query and an escaped quote widens it (why values are hex)', async () => {
    const textFilter = "SELECT DISTINCT ServiceName FROM verdict_rollup_1m WHERE ServiceName = ${service:sqlstring} AND Environment = 'none'";
    await expect(run(textFilter, { service: ['shop\\'] })).rejects.toThrow();
    expect((await run(textFilter, { service: [EVIL_V2] })).length).toBe(3); // every service, whatever the environment
    expect(await run(textFilter.replace('${service:sqlstring}', 'unhex(${service:sqlstring})'), { service: [hex(EVIL_V2)] })).toEqual([]);
  });
});

describe('Grafana’s trace view ("Use OTel") on Verdict’s tables', () => {
  it('the trace-by-ID lookup through otel_traces_trace_id_ts finds the whole trace', async () => {
    // The lookup the exporter's README gives and the plugin generates in OTel mode: narrow the time
    // range with the TraceId → (Start, End) table, then read the trace's spans.
    const traceId = hexId(1, 32);
    const sql = `WITH
        '${traceId}' AS trace_id,
        (SELECT min(Start) FROM otel_traces_trace_id_ts WHERE TraceId = trace_id) AS start,
        (SELECT max(End) + 1 FROM otel_traces_trace_id_ts WHERE TraceId = trace_id) AS end
      SELECT TraceId AS traceID, SpanId AS spanID, ParentSpanId AS parentSpanID, ServiceName AS serviceName,
             SpanName AS operationName, multiply(toUnixTimestamp64Nano(Timestamp), 0.000001) AS startTime,
             multiply(Duration, 0.000001) AS duration,
             arrayMap(key -> map('key', key, 'value', SpanAttributes[key]), mapKeys(SpanAttributes)) AS tags,
             arrayMap(key -> map('key', key, 'value', ResourceAttributes[key]), mapKeys(ResourceAttributes)) AS serviceTags
      FROM otel_traces
      WHERE TraceId = trace_id AND Timestamp >= start AND Timestamp <= end
      ORDER BY startTime`;
    const got = await run(sql, {});
    expect(got.map((r) => [r.operationName, r.serviceName, r.duration])).toEqual([
      ['POST /checkout', 'shop', 100],
      ['chat gpt-4o', 'shop', 98],
    ]);
  });
});
