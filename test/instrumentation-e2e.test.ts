// End to end: the compiled example app (dist/, built before the suite), instrumented by Verdict, exports to a real
// collector started here, over each OTLP protocol; the stored rows carry the version, environment, session,
// user and commit the app and its environment gave them. Run as `npm run example` runs it, it ends by naming the
// `verdict versions` and `verdict compare` commands for what it sent, and both answer.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollectorProcess, type CollectorProcess } from './helpers/collector-process.js';
import { runCli } from './helpers/run-cli.js';

const EXAMPLE = fileURLToPath(new URL('../dist/examples/chat-app.js', import.meta.url));
const COMMIT = '3f2a9c0d5e7b1a4c6d8e0f2a4b6c8d0e1f3a5b7c';

interface ExampleSummary {
  traces: number;
  sessions: number;
  byVersion: Record<string, { traces: number; errors: number }>;
  spans: { ended: number; exported: number; failed: number };
  delivered: boolean;
}

let collector: CollectorProcess;
beforeAll(async () => {
  if (!existsSync(EXAMPLE)) throw new Error('dist/ is missing: run `npm run build` before this test');
  collector = await startCollectorProcess();
});
afterAll(async () => {
  await collector?.stop();
});

function runExample(env: Record<string, string>, traces: number): Promise<ExampleSummary>;
function runExample(env: Record<string, string>, traces: number, people: true): Promise<string>;
function runExample(env: Record<string, string>, traces: number, people = false): Promise<ExampleSummary | string> {
  const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [EXAMPLE, '--traces', String(traces), '--seed', '11', ...(people ? [] : ['--json'])], {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`example exited with ${code}: ${stderr}${stdout}`));
      else resolve(people ? stdout : (JSON.parse(stdout) as ExampleSummary));
    }),
  );
}

describe.each([
  ['http/protobuf', (c: CollectorProcess) => c.otlpHttpUrl],
  ['http/json', (c: CollectorProcess) => c.otlpHttpUrl],
  ['grpc', (c: CollectorProcess) => c.otlpGrpcUrl!],
])('the instrumented example app over %s', (protocol, endpointOf) => {
  const service = `chat-app-${protocol.replace('/', '-')}`;
  const TRACES = 300;

  it('stores every span with AppVersion, Environment, SessionId, UserId and GitCommit', async () => {
    const summary = await runExample(
      {
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpointOf(collector),
        // The operator's variable wins over the name the example sets in code.
        OTEL_SERVICE_NAME: service,
        DEPLOY_ENV: 'staging',
        GITHUB_SHA: COMMIT,
        GITHUB_REF_NAME: 'release/1.2',
      },
      TRACES,
    );
    expect(summary.delivered).toBe(true);
    expect(summary.spans).toEqual({ ended: TRACES * 3, exported: TRACES * 3, failed: 0 });
    // Acknowledged means durable; flushing makes the acknowledged spans queryable.
    await collector.flush();

    const where = `ServiceName = '${service}'`;
    const [totals] = await collector.sql(
      `SELECT count() AS spans, uniqExact(SessionId) AS sessions,
              countIf(Environment != 'staging') AS wrongEnvironment,
              countIf(GitCommit != '${COMMIT}') AS wrongCommit,
              countIf(ResourceAttributes['vcs.ref.head.name'] != 'release/1.2') AS wrongBranch,
              countIf(NOT match(SessionId, '^sess-[0-9a-f]{12}$')) AS badSession,
              countIf(NOT match(UserId, '^user-[0-9]{3}$')) AS badUser,
              countIf(AppVersion NOT IN ('v1', 'v2')) AS badVersion
       FROM otel_traces WHERE ${where}`,
    );
    expect(numbers(totals!)).toEqual({
      spans: TRACES * 3,
      sessions: summary.sessions,
      wrongEnvironment: 0,
      wrongCommit: 0,
      wrongBranch: 0,
      badSession: 0,
      badUser: 0,
      badVersion: 0,
    });

    // Requests per version and their errors are exactly what the app served.
    const perVersion = await collector.sql(
      `SELECT AppVersion AS version, countIf(IsRequest) AS requests, countIf(IsRequest AND StatusCode = 'Error') AS errors
       FROM otel_traces WHERE ${where} GROUP BY AppVersion ORDER BY AppVersion`,
    );
    expect(perVersion.map(numbers)).toEqual(
      Object.entries(summary.byVersion).map(([version, v]) => ({ version, requests: v.traces, errors: v.errors })),
    );

    // Every span of a session carries that session's one user and one version, never a neighbour's.
    const [mixed] = await collector.sql(
      `SELECT countIf(users != 1 OR versions != 1) AS mixedSessions FROM (
         SELECT SessionId, uniqExact(UserId) AS users, uniqExact(AppVersion) AS versions
         FROM otel_traces WHERE ${where} GROUP BY SessionId)`,
    );
    expect(numbers(mixed!)).toEqual({ mixedSessions: 0 });
  });
});

describe('the example as `npm run example` runs it', () => {
  it('ends by naming verdict versions and verdict compare for what it sent, and both answer', async () => {
    const out = await runExample({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpUrl, OTEL_SERVICE_NAME: 'chat-app-next', DEPLOY_ENV: 'demo' }, 200, true);
    const next = out.split('\n').filter((l) => l.startsWith('  npx verdict ')).map((l) => l.trim().split(' ').slice(2));
    expect(next).toEqual([
      ['versions', '--service', 'chat-app-next', '--env', 'demo'],
      ['compare', '--service', 'chat-app-next', '--env', 'demo', '--baseline', 'v1', '--candidate', 'v2'],
    ]);
    expect(out).not.toContain('verdict sql');
    await collector.flush();
    const versions = await runCli([...next[0], '--api', collector.apiUrl]);
    expect(versions.code).toBe(0);
    expect(versions.stdout).toMatch(/^chat-app-next +demo +v1 /m);
    expect(versions.stdout).toMatch(/^chat-app-next +demo +v2 /m);
    const compare = await runCli([...next[1], '--api', collector.apiUrl]);
    expect(compare.code).toBe(0);
    expect(compare.stdout).toMatch(/^chat-app-next \/ demo: v1 \(baseline, \d+ requests\) vs v2 \(candidate, \d+ requests\)/);

    // The README's search example finds something in the example's data (it once asked for a version
    // the example does not send).
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const example = /^npx verdict search "([^"]+)" --order-by "([^"]+)" --limit (\d+)$/m.exec(readme);
    expect(example).not.toBeNull();
    const search = await runCli(['search', example![1], '--order-by', example![2], '--limit', example![3], '--service', 'chat-app-next', '--json', '--api', collector.apiUrl]);
    expect(search.code).toBe(0);
    const found = search.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { status: string; version: string; durationMs: number });
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((t) => t.status === 'Error' && t.version === 'v2')).toBe(true);
    expect(found.map((t) => t.durationMs)).toEqual(found.map((t) => t.durationMs).sort((a, b) => b - a));
  });
});

/** ClickHouse sends 64-bit integers as JSON strings. */
function numbers(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]),
  );
}
