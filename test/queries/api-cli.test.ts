// The question routes and commands end to end: spans sent over OTLP/HTTP to a real collector
// process, answered by the HTTP API (validation, 400/404, OpenAPI) and by `verdict …` commands
// (tables, --json, exit codes for CI), through the API and — with the collector stopped — from the
// data directory itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollectorProcess, type CollectorProcess } from '../helpers/collector-process.js';
import { runCli } from '../helpers/run-cli.js';

const T0_NS = BigInt(Date.UTC(2026, 0, 5)) * 1_000_000n;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

interface Version {
  version: string;
  requests: number;
  errors: number;
  latencyMs: number;
  offset: number;
}

/** One OTLP/JSON document: each request a Server root span with an LLM child carrying tokens. */
function otlpDocument(v: Version): unknown {
  const spans: unknown[] = [];
  for (let i = 0; i < v.requests; i++) {
    const traceId = hex(v.offset + i + 1, 32);
    const rootId = hex((v.offset + i + 1) * 2, 16);
    const start = T0_NS + BigInt(i) * 60_000_000_000n + BigInt(v.offset);
    const duration = BigInt(Math.round(v.latencyMs * (0.5 + (i % 100) / 100) * 1e6));
    // Exactly `errors` failures spread over the requests.
    const failed = Math.floor(((i + 1) * v.errors) / v.requests) > Math.floor((i * v.errors) / v.requests);
    spans.push({
      traceId,
      spanId: rootId,
      name: 'POST /checkout',
      kind: 2,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + duration).toString(),
      attributes: [{ key: 'session.id', value: { stringValue: `s-${v.version}-${Math.floor(i / 4)}` } }],
      status: failed ? { code: 2, message: `payment declined (${i})` } : { code: 1 },
    });
    spans.push({
      traceId,
      spanId: hex((v.offset + i + 1) * 2 + 1, 16),
      parentSpanId: rootId,
      name: 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: (start + 1000n).toString(),
      endTimeUnixNano: (start + duration / 2n).toString(),
      attributes: [
        { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
        { key: 'gen_ai.usage.input_tokens', value: { intValue: String(500 + (i % 2) * 10) } },
      ],
    });
  }
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  return {
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', 'shop-api'), attr('service.version', v.version), attr('deployment.environment.name', 'production')] },
        scopeSpans: [{ spans }],
      },
    ],
  };
}

let c: CollectorProcess;
let dataDir: string;
let someTraceId: string;

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${c.apiUrl}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const scope = ['--service', 'shop-api', '--env', 'production'];

beforeAll(async () => {
  c = await startCollectorProcess();
  dataDir = c.dataDir;
  const versions: Version[] = [
    { version: '1.0.0', requests: 400, errors: 20, latencyMs: 100, offset: 0 },
    { version: '1.1.0', requests: 400, errors: 60, latencyMs: 150, offset: 1_000 },
    { version: '1.0.1', requests: 400, errors: 21, latencyMs: 100, offset: 2_000 },
  ];
  for (const v of versions) {
    const res = await fetch(`${c.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(otlpDocument(v)) });
    expect(res.status).toBe(200);
  }
  expect((await fetch(`${c.apiUrl}/api/flush`, { method: 'POST' })).status).toBe(200);
  someTraceId = hex(1_001, 32);
});

afterAll(async () => {
  await c?.stop();
});

describe('HTTP API', () => {
  it('serves an OpenAPI document listing every question route, SQL and the queue\'s set-aside segments', async () => {
    const { status, body } = await get('/api/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths as object).sort()).toEqual([
      '/api/alerts',
      '/api/alerts/check',
      '/api/compare',
      '/api/deployments',
      '/api/error-rate',
      '/api/errors',
      '/api/feedback',
      '/api/filter-hints',
      '/api/latency',
      '/api/queue/rejected',
      '/api/queue/rejected/discard',
      '/api/queue/rejected/retry',
      '/api/registry/changes',
      '/api/registry/compare',
      '/api/registry/diff',
      '/api/registry/events',
      '/api/registry/policy/archive-behind',
      '/api/registry/versions',
      '/api/registry/versions/{service}/{version}',
      '/api/registry/versions/{service}/{version}/history',
      '/api/sessions',
      '/api/sessions/{id}',
      '/api/sql',
      '/api/timeseries',
      '/api/traces',
      '/api/traces/{traceId}',
      '/api/versions',
    ]);
    const compare = (body.paths as Record<string, { get: { parameters: Array<{ name: string }> } }>)['/api/compare'].get;
    expect(compare.parameters.map((p) => p.name)).toContain('baselineFilter');
  });

  it('answers every question route', async () => {
    const q = 'service=shop-api&env=production';
    for (const path of [
      `/api/versions?${q}`,
      `/api/compare?${q}&baseline=1.0.0&candidate=1.1.0&by=name&align=true`,
      `/api/errors?${q}&baseline=1.0.0&candidate=1.1.0`,
      `/api/error-rate?${q}&versions=1.0.0,1.1.0`,
      `/api/latency?${q}`,
      `/api/deployments?${q}`,
      `/api/sessions?${q}&version=1.1.0&limit=5`,
      `/api/sessions/s-1.1.0-0`,
      `/api/traces?filter=${encodeURIComponent("version = '1.1.0' AND status = 'ERROR'")}&limit=5`,
      `/api/traces/${someTraceId}`,
    ]) {
      const { status, body } = await get(path);
      expect(status, `${path}: ${JSON.stringify(body)}`).toBe(200);
    }
    const { body } = await get(`/api/compare?${q}&baseline=1.0.0&candidate=1.1.0`);
    expect(body).toMatchObject({ baseline: { requests: 400, errors: 20 }, candidate: { requests: 400, errors: 60 }, regression: true });
  });

  it.each([
    ['/api/compare?service=shop-api&baseline=1.0.0&candidate=1.1.0&enviroment=production', /unknown query parameter enviroment; expected service, env, from, to/],
    ['/api/compare?baseline=1.0.0&candidate=1.1.0&alpha=2', /querystring\/alpha must be < 1/],
    ['/api/compare?baseline=1.0.0&candidate=1.1.0&minRequests=ten', /querystring\/minRequests must be integer/],
    ['/api/compare?candidate=1.1.0', /compare needs a baseline: a version/],
    ['/api/compare?baseline=1.0.0&candidate=1.1.0&from=yesterday', /from must be an ISO 8601 time/],
    ['/api/traces?limit=0', /querystring\/limit must be >= 1/],
    ['/api/traces?cursor=nonsense', /cursor is not one returned by a previous search/],
    ['/api/error-rate?bucket=61', /querystring\/bucket must be equal to one of the allowed values/],
    ['/api/traces/not-a-trace-id', /a trace id is 32 hexadecimal digits/],
  ])('400 for %s', async (path, message) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body.error).toMatch(message);
  });

  it('400 for a bad filter, with the position and what was expected', async () => {
    const { status, body } = await get(`/api/traces?filter=${encodeURIComponent("version = '1.0.0' AND")}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'FILTER_SYNTAX', position: 21 });
    expect(body.expected).toMatch(/a field/);
  });

  it('404 for an unknown trace or session', async () => {
    expect((await get(`/api/traces/${'f'.repeat(32)}`)).status).toBe(404);
    expect((await get('/api/sessions/no-such-session')).status).toBe(404);
  });
});

describe('verdict commands', () => {
  it('compare --fail-on-regression exits 1 on a regression, 0 otherwise', async () => {
    const regression = await runCli(['compare', '--api', c.apiUrl, ...scope, '--baseline', '1.0.0', '--candidate', '1.1.0', '--fail-on-regression']);
    expect(regression.stderr).toBe('');
    expect(regression.code).toBe(1);
    expect(regression.stdout).toMatch(/^shop-api \/ production: 1\.0\.0 \(baseline, 400 requests\) vs 1\.1\.0 \(candidate, 400 requests\)/);
    expect(regression.stdout).toMatch(/errorRate +5\.00 % +15\.00 % +\+10\.00 pt .* worse/);
    expect(regression.stdout).toMatch(/REGRESSION: errorRate/);

    const noGate = await runCli(['compare', '--api', c.apiUrl, ...scope, '--baseline', '1.0.0', '--candidate', '1.1.0']);
    expect(noGate.code).toBe(0);

    const control = await runCli(['compare', '--api', c.apiUrl, ...scope, '--baseline', '1.0.0', '--candidate', '1.0.1', '--fail-on-regression']);
    expect(control.code).toBe(0);
    expect(control.stdout).toMatch(/no regression/);
  });

  it('compare --fail-on-regression exits 3 instead of passing on an unknown version or too few requests, unless --allow-insufficient', async () => {
    const unknown = await runCli(['compare', '--api', c.apiUrl, ...scope, '--baseline', '1.0.0', '--candidate', '3.0.0', '--fail-on-regression']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toBe(
      'verdict: cannot gate on this comparison: candidate version 3.0.0 is unknown: it has no requests in service shop-api, environment production at any time (--allow-insufficient to pass anyway)\n',
    );
    expect(unknown.stdout).toMatch(/INSUFFICIENT DATA: candidate version 3\.0\.0 is unknown/);
    expect(unknown.stdout).not.toMatch(/no regression/);

    const small = await runCli(['compare', '--api', c.apiUrl, ...scope, '--baseline', '1.0.0', '--candidate', '1.0.1', '--min-requests', '500', '--fail-on-regression', '--json']);
    expect(small.code).toBe(3);
    expect(JSON.parse(small.stdout).sufficiency).toMatchObject({
      sufficient: false,
      missing: ['baseline has 400 requests, fewer than the 500 a verdict needs (minRequests)', 'candidate has 400 requests, fewer than the 500 a verdict needs (minRequests)'],
    });

    const allowed = await runCli(['compare', '--api', c.apiUrl, ...scope, '--baseline', '1.0.0', '--candidate', '3.0.0', '--fail-on-regression', '--allow-insufficient']);
    expect([allowed.code, allowed.stderr]).toEqual([0, '']);
    // Without the gate the question is answered as before.
    expect((await runCli(['compare', '--api', c.apiUrl, ...scope, '--baseline', '1.0.0', '--candidate', '3.0.0'])).code).toBe(0);
  });

  it('documents the exit codes in --help', async () => {
    const help = await runCli(['--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/Exit codes: 0 answered, 1 regression \(with --fail-on-regression\), 2 usage error or unreachable API, 3 not enough data to judge/);
    const compareHelp = await runCli(['compare', '--help']);
    expect(compareHelp.stdout).toMatch(/--allow-insufficient/);
  });

  it('compare --json prints one document with the documented contract', async () => {
    const r = await runCli(['compare', '--api', c.apiUrl, ...scope, '--baseline', '1.0.0', '--candidate', '1.1.0', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.baseline).toMatchObject({ requests: 400, errors: 20, errorRate: 0.05, latencyMs: { p50: expect.any(Number), p90: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number) } });
    expect(doc.candidate).toMatchObject({ requests: 400, errors: 60, errorRate: 0.15 });
    for (const m of doc.metrics) {
      expect(Object.keys(m)).toEqual(expect.arrayContaining(['name', 'baseline', 'candidate', 'delta', 'ciLow', 'ciHigh', 'pValue', 'verdict']));
    }
    expect(doc.metrics.find((m: { name: string }) => m.name === 'errorRate').verdict).toBe('worse');
    expect(doc.warnings).toEqual([]);
  });

  it('exits 2 for usage errors and for questions the API refuses', async () => {
    const missing = await runCli(['compare', '--api', c.apiUrl, '--baseline', '1.0.0']);
    expect([missing.code, missing.stderr]).toEqual([2, 'verdict: compare needs a candidate: a version (candidate, --candidate on the command line) or a filter (candidateFilter, --candidate-filter)\n']);
    const wrongFlag = await runCli(['versions', '--api', c.apiUrl, '--baseline', '1.0.0']);
    expect(wrongFlag.code).toBe(2);
    expect(wrongFlag.stderr).toMatch(/^error: unknown option '--baseline'\n\(run verdict versions --help for its flags\)/);
    const badFilter = await runCli(['search', '--api', c.apiUrl, "version = '1.0.0' AND"]);
    expect(badFilter.code).toBe(2);
    expect(badFilter.stderr).toMatch(/^verdict: filter error at position 21: expected a field/);
    const unknownTrace = await runCli(['trace', '--api', c.apiUrl, 'f'.repeat(32)]);
    expect([unknownTrace.code, unknownTrace.stderr]).toEqual([2, 'verdict: no spans with this trace id\n']);
  });

  it('versions, search and sessions print one JSON object per line with --json', async () => {
    const versions = await runCli(['versions', '--api', c.apiUrl, ...scope, '--json']);
    expect(versions.code).toBe(0);
    expect(versions.stdout.trim().split('\n').map((l) => JSON.parse(l).version)).toEqual(['1.0.0', '1.0.1', '1.1.0']);

    const search = await runCli(['search', '--api', c.apiUrl, "version = '1.1.0' AND attributes.status = 'ERROR'", '--limit', '7', '--json']);
    expect(search.code).toBe(0);
    const lines = search.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(7);
    expect(lines.every((t) => t.status === 'Error' && t.version === '1.1.0')).toBe(true);

    // MLflow's order_by, on the CLI and the API; the environment tag is read from the resource here.
    const slowest = await runCli(['search', '--api', c.apiUrl, "tags.environment = 'production'", '--order-by', 'execution_time_ms DESC', '--limit', '5', '--json']);
    expect(slowest.code).toBe(0);
    const durations = slowest.stdout.trim().split('\n').map((l) => JSON.parse(l).durationMs as number);
    expect(durations).toHaveLength(5);
    expect(durations).toEqual([...durations].sort((a, b) => b - a));
    const viaApi = (await (await fetch(`${c.apiUrl}/api/traces?orderBy=${encodeURIComponent('execution_time_ms DESC')}&limit=5&filter=${encodeURIComponent("tags.environment = 'production'")}`)).json()) as {
      traces: Array<{ durationMs: number }>;
    };
    expect(viaApi.traces.map((t) => t.durationMs)).toEqual(durations);
    const badOrder = await runCli(['search', '--api', c.apiUrl, '--order-by', 'run_id']);
    expect([badOrder.code, badOrder.stderr]).toEqual([2, 'verdict: orderBy: cannot order by run_id: the run id is an attribute of the request span, not a column of the trace\n']);

    const sessions = await runCli(['sessions', '--api', c.apiUrl, ...scope, '--version', '1.1.0', '--limit', '3', '--json']);
    expect(sessions.stdout.trim().split('\n').map((l) => JSON.parse(l).sessionId)).toEqual(['s-1.1.0-99', 's-1.1.0-98', 's-1.1.0-97']);
  });

  it('prints aligned tables for people', async () => {
    const errors = await runCli(['errors', '--api', c.apiUrl, ...scope, '--baseline', '1.0.0', '--candidate', '1.1.0']);
    expect(errors.code).toBe(0);
    expect(errors.stdout.split('\n')[0]).toMatch(/^version +span +message +count +baseline +new +first_seen +last_seen$/);
    expect(errors.stdout).toMatch(/1\.1\.0 +POST \/checkout +payment declined \(<n>\) +60 +20 /);

    const deployments = await runCli(['deployments', '--api', c.apiUrl, ...scope]);
    expect(deployments.code).toBe(0);
    expect(deployments.stdout).toMatch(/^shop-api \/ production — live: /);

    const trace = await runCli(['trace', '--api', c.apiUrl, someTraceId]);
    expect(trace.code).toBe(0);
    expect(trace.stdout.split('\n').slice(1, 3)).toEqual([
      expect.stringMatching(/^ {2}POST \/checkout {2}\[shop-api 1\.1\.0\] {2}[\d.]+ ms$/),
      expect.stringMatching(/^ {4}chat gpt-4o {2}\[shop-api 1\.1\.0\] {2}[\d.]+ ms$/),
    ]);
  });

  it('answers the same from the data directory when no collector runs', async () => {
    const viaApi = await runCli(['versions', '--api', c.apiUrl, ...scope, '--json']);
    const compareViaApi = await runCli(['compare', '--api', c.apiUrl, ...scope, '--baseline', '1.0.0', '--candidate', '1.1.0', '--json']);
    expect(await c.stop()).toBe(0);
    const local = await runCli(['versions', '--data-dir', dataDir, ...scope, '--json']);
    expect(local.stderr).toBe('');
    expect(local.stdout).toBe(viaApi.stdout);
    const compareLocal = await runCli(['compare', '--data-dir', dataDir, ...scope, '--baseline', '1.0.0', '--candidate', '1.1.0', '--json', '--fail-on-regression']);
    expect(compareLocal.code).toBe(1);
    expect(JSON.parse(compareLocal.stdout)).toEqual(JSON.parse(compareViaApi.stdout));
  });
});
