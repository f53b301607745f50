// The packages as npm publishes them work outside this repository. `verdict`, packed with `npm pack` and
// installed alone into an empty project, ships its compiled code and the .sql files it reads (no tests or
// benches), and runs `npx verdict --version`, `verdict serve`, `node --import verdict/register app.js` and
// `verdict compare` on what that app sent. `verdict-instrumentation` (packages/instrumentation) installs in
// under 30 MB with no chDB, fastify, collector or CLI, and instruments an app the same way.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../schema/sql-files.js';
import { startCollectorProcess, type CollectorProcess } from './helpers/collector-process.js';

const ROOT_VERSION = (await import(join(PACKAGE_ROOT, 'package.json'), { with: { type: 'json' } })).default.version as string;
// Installs come from npm's cache (filled by the `npm install` that preceded the tests); the registry is asked
// only for what the cache lacks. No audit, no funding notice: nothing but the install.
const NPM_INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function npm(args: string[], cwd: string): Promise<Run> {
  const started = Date.now();
  const r = await run('npm', args, { cwd });
  if (r.code !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  console.log(`npm ${args[0]} in ${cwd}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return r;
}

/** An empty project with only a package.json, as `npm init` leaves it; its name is the app's service.name. */
function emptyProject(name: string): string {
  const project = join(work, name);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name, version: '0.0.1', type: 'module', private: true }));
  return project;
}

/** Total size of the files under a folder (symlinks not followed), in bytes. */
function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += treeBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** An app as a user writes it: spans of two versions, 4 requests each, the second version failing twice. */
const APP = (instrumentation: string) => `
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { withVersion } from '${instrumentation}';
const tracer = trace.getTracer('packed-app');
for (const version of ['1.0.0', '2.0.0']) {
  for (let i = 0; i < 4; i++) {
    withVersion(version, () => {
      const span = tracer.startSpan('GET /answer', { kind: SpanKind.SERVER });
      if (version === '2.0.0' && i < 2) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
  }
}
`;

let work: string;
let collector: CollectorProcess | undefined;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'verdict-packed-'));
});
afterAll(async () => {
  await collector?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('verdict, packed and installed into an empty project', () => {
  let project: string;
  let bin: string;

  beforeAll(async () => {
    // `npm test` compiles dist/ first; pack it as is (prepare would compile it again).
    expect(existsSync(join(PACKAGE_ROOT, 'dist', 'cli', 'main.js')), 'dist/ is missing: run `npm run build` first').toBe(true);
    const packed = JSON.parse((await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], PACKAGE_ROOT)).stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    packedFiles = packed[0].files.map((f) => f.path);
    project = emptyProject('app');
    await npm([...NPM_INSTALL, join(work, packed[0].filename)], project);
    bin = realpathSync(join(project, 'node_modules', '.bin', 'verdict'));
  }, 240_000);

  let packedFiles: string[] = [];

  it('ships the compiled code and the .sql files it reads, and no tests, benches or sources', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['bin/verdict.js', 'dist/cli/main.js', 'dist/instrumentation/register.js', 'package.json', 'README.md']));
    expect(packedFiles.filter((f) => f.startsWith('schema/migrations/') && f.endsWith('.sql')).length).toBeGreaterThan(3);
    expect(packedFiles.filter((f) => f.startsWith('queries/') && f.endsWith('.sql')).length).toBeGreaterThan(10);
    expect(packedFiles.filter((f) => /^(test|bench|examples|dist\/test|dist\/bench|dist\/examples)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts') || f.endsWith('.map'))).toEqual([]);
  });

  it('`npx verdict --version` and `--help` run from the installed package', async () => {
    const version = await run('npx', ['--no-install', 'verdict', '--version'], { cwd: project });
    expect(version).toMatchObject({ code: 0, stdout: `${ROOT_VERSION}\n` });
    const help = await run('npx', ['--no-install', 'verdict', 'compare', '--help'], { cwd: project });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--baseline');
  });

  it('`verdict serve` runs, `node --import verdict/register app.js` reports to it, `verdict compare` answers', async () => {
    collector = await startCollectorProcess({ bin });
    writeFileSync(join(project, 'app.js'), APP('verdict/instrumentation'));
    const app = await run(process.execPath, ['--import', 'verdict/register', 'app.js'], { cwd: project, env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpUrl } });
    expect(app).toMatchObject({ code: 0, stderr: '' });
    await collector.flush();
    const compare = await run(process.execPath, [bin, 'compare', '--service', 'app', '--baseline', '1.0.0', '--candidate', '2.0.0', '--json', '--api', collector.apiUrl], { cwd: project });
    expect(compare.stderr).toBe('');
    const answer = JSON.parse(compare.stdout) as { baseline: { requests: number; errors: number }; candidate: { requests: number; errors: number } };
    expect([answer.baseline.requests, answer.baseline.errors, answer.candidate.requests, answer.candidate.errors]).toEqual([4, 0, 4, 2]);
  });
});

describe('verdict-instrumentation, packed and installed into an empty project', () => {
  let project: string;

  beforeAll(async () => {
    // prepack compiles the package from instrumentation/.
    const packed = JSON.parse((await npm(['pack', '--json', '--pack-destination', work], join(PACKAGE_ROOT, 'packages', 'instrumentation'))).stdout) as Array<{ filename: string }>;
    project = emptyProject('light-app');
    await npm([...NPM_INSTALL, join(work, packed[0].filename)], project);
  }, 240_000);

  it('depends on the same OpenTelemetry versions as verdict itself (declared in both package.json files)', async () => {
    const own = (await import(join(PACKAGE_ROOT, 'packages', 'instrumentation', 'package.json'), { with: { type: 'json' } })).default;
    const root = (await import(join(PACKAGE_ROOT, 'package.json'), { with: { type: 'json' } })).default;
    for (const [name, range] of Object.entries({ ...own.dependencies, ...own.peerDependencies })) expect([name, range]).toEqual([name, root.dependencies[name]]);
    expect([own.version, own.engines, own.license]).toEqual([root.version, root.engines, root.license]);
  });

  it('installs in under 30 MB, with no engine, server or CLI in the tree', () => {
    const bytes = treeBytes(join(project, 'node_modules'));
    console.log(`verdict-instrumentation's node_modules: ${(bytes / 1e6).toFixed(1)} MB`);
    expect(bytes).toBeLessThan(30e6);
    const installed = readdirSync(join(project, 'node_modules'), { recursive: true }).map(String);
    const engine = installed.filter((p) => /(^|\/)(chdb|@chdb|fastify|@clickhouse|commander|pino)(\/|$)/.test(p));
    expect(engine).toEqual([]);
  });

  it('`node --import verdict-instrumentation/register app.js` reports the app\'s spans', async () => {
    collector ??= await startCollectorProcess();
    writeFileSync(join(project, 'app.js'), APP('verdict-instrumentation'));
    const app = await run(process.execPath, ['--import', 'verdict-instrumentation/register', 'app.js'], { cwd: project, env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpUrl } });
    expect(app).toMatchObject({ code: 0, stderr: '' });
    await collector.flush();
    const rows = await collector.sql("SELECT AppVersion AS version, countIf(IsRequest) AS requests FROM otel_traces WHERE ServiceName = 'light-app' GROUP BY 1 ORDER BY 1");
    expect(rows.map((r) => [r.version, Number(r.requests)])).toEqual([
      ['1.0.0', 4],
      ['2.0.0', 4],
    ]);
  });

  it('asks for the gRPC exporter by name when the app chooses gRPC without installing it', async () => {
    const app = await run(process.execPath, ['--import', 'verdict-instrumentation/register', 'app.js'], { cwd: project, env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } });
    expect(app.code).toBe(0);
    expect(app.stderr).toContain('npm install @opentelemetry/exporter-trace-otlp-grpc');
  });
});

