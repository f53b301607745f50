// Child processes instrumented with the compiled package (dist/, built by `npm run build` before the suite)
// create spans and end in every way a process ends; the spans must still reach an OTLP endpoint.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOtlpJsonSink, type OtlpJsonSink } from './helpers/instrumentation-otlp-sink.js';

const DIST_INDEX = new URL('../dist/instrumentation/index.js', import.meta.url);
const SPANS = 5;

// The app: starts Verdict, creates SPANS spans in a session, then ends the way argv[2] says.
const FIXTURE = `
import { startVerdict, verdictSpanProcessor, withSession, withVersion } from ${JSON.stringify(DIST_INDEX.href)};
const mode = process.argv[2];
const verdict = startVerdict({ serviceName: 'exit-fixture', serviceVersion: '1.0.0' });
// A second Verdict processor (as for a second provider of the app) installs its own exit hooks.
if (process.argv.includes('--second-processor')) verdictSpanProcessor();
const tracer = verdict.provider.getTracer('fixture');
withSession({ sessionId: 'sess-exit', userId: 'user-exit' }, () =>
  withVersion('B', () => {
    for (let i = 0; i < ${SPANS}; i++) tracer.startSpan('work-' + i).end();
  }),
);
if (mode === 'start-twice') {
  try {
    startVerdict();
  } catch (error) {
    console.log(error.code);
  }
}
if (mode === 'process-exit') process.exit(3);
if (mode === 'throw') throw new Error('crash after spans');
if (mode === 'wait-for-signal' || mode === 'app-handles-signal') {
  const keepAlive = setInterval(() => {}, 1000);
  if (mode === 'app-handles-signal') {
    process.once(process.argv[3], () => {
      console.log('app-handler-ran');
      clearInterval(keepAlive);
      // The app's own asynchronous clean-up, then its own exit code.
      setTimeout(() => process.exit(7), 20);
    });
  }
  console.log('ready');
}
`;

let dir: string;
let fixture: string;
let sink: OtlpJsonSink;

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('dist/ is missing: run `npm run build` before this test');
  dir = mkdtempSync(join(tmpdir(), 'verdict-exit-'));
  fixture = join(dir, 'app.mjs');
  writeFileSync(fixture, FIXTURE);
  sink = await startOtlpJsonSink();
});
afterAll(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sink.requests.length = 0;
  sink.spans.length = 0;
});

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

function runFixture(args: string[], onReady?: (pid: number) => void): Promise<ChildResult> {
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, [fixture, ...args], {
    cwd: dir,
    env: {
      ...env,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=exit-test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (onReady && stdout.includes('ready\n')) {
      onReady(child.pid!);
      onReady = undefined;
    }
  });
  child.stderr.resume();
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout })));
}

/**
 * Every span arrived, each once; with `resentAllowed`, a span may also arrive a second time: a batch
 * in flight when the app exits is sent again from the exit path (docs/instrumentation.md), which a
 * loaded machine can make happen.
 */
function expectAllSpansDelivered(options: { resentAllowed?: boolean } = {}): void {
  const names = options.resentAllowed ? [...new Set(sink.spans.map((s) => s.name))] : sink.spans.map((s) => s.name);
  expect(names.sort()).toEqual(Array.from({ length: SPANS }, (_, i) => `work-${i}`));
  expect(new Set(sink.spans.map((s) => s.spanId)).size).toBe(SPANS);
  if (options.resentAllowed) expect(sink.spans.length).toBeLessThanOrEqual(2 * SPANS);
  for (const span of sink.spans) {
    expect(span.attributes).toMatchObject({ 'session.id': 'sess-exit', 'user.id': 'user-exit', 'app.version': 'B' });
    expect(span.resource).toMatchObject({ 'service.name': 'exit-fixture', 'service.version': '1.0.0' });
  }
  expect(sink.requests.every((r) => r.path === '/v1/traces' && r.headers['x-api-key'] === 'exit-test')).toBe(true);
}

describe('flush on exit', () => {
  it('delivers spans when the event loop runs dry right after creating them', async () => {
    const result = await runFixture(['natural']);
    expect(result).toMatchObject({ code: 0, signal: null });
    expectAllSpansDelivered();
  });

  it('delivers spans when the app calls process.exit() right after creating them, keeping its exit code', async () => {
    const result = await runFixture(['process-exit']);
    expect(result).toMatchObject({ code: 3, signal: null });
    expectAllSpansDelivered();
  });

  it('delivers spans when the app crashes with an uncaught exception', async () => {
    const result = await runFixture(['throw']);
    expect(result).toMatchObject({ code: 1, signal: null });
    expectAllSpansDelivered();
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('delivers spans on %s, then ends by that signal as it would have', async (signal) => {
    const result = await runFixture(['wait-for-signal'], (pid) => process.kill(pid, signal));
    expect(result).toMatchObject({ code: null, signal });
    expectAllSpansDelivered();
  });

  it('ends by the signal when two Verdict processors hook it, neither taking the other for the app', async () => {
    const result = await runFixture(['wait-for-signal', 'SIGTERM', '--second-processor'], (pid) => process.kill(pid, 'SIGTERM'));
    expect(result).toMatchObject({ code: null, signal: 'SIGTERM' });
    expectAllSpansDelivered();
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('leaves %s to the app handler when it has one, and still delivers', async (signal) => {
    const result = await runFixture(['app-handles-signal', signal], (pid) => process.kill(pid, signal));
    expect(result.stdout).toContain('app-handler-ran');
    expect(result).toMatchObject({ code: 7, signal: null });
    // The app exits 20 ms after the signal, maybe while the flush's export is in flight.
    expectAllSpansDelivered({ resentAllowed: true });
  });
});

describe('starting', () => {
  it('refuses a second start in the same process with ALREADY_STARTED, and keeps the first running', async () => {
    const result = await runFixture(['start-twice']);
    expect(result.stdout.trim()).toBe('ALREADY_STARTED');
    expect(result.code).toBe(0);
    expectAllSpansDelivered();
  });
});

describe('the preload entry', () => {
  it('instruments an app started with node --import verdict/register, from the environment alone', async () => {
    const app = join(dir, 'plain-app.mjs');
    // This app never imports Verdict; it only uses the OTel API, resolved from the project's node_modules.
    const projectPackageJson = fileURLToPath(new URL('../package.json', import.meta.url));
    writeFileSync(
      app,
      `import { createRequire } from 'node:module';\n` +
        `const { trace } = createRequire(${JSON.stringify(projectPackageJson)})('@opentelemetry/api');\n` +
        `trace.getTracer('plain').startSpan('plain-span').end();\n`,
    );
    const { NODE_OPTIONS: _ignored, ...env } = process.env;
    const registerUrl = new URL('../dist/instrumentation/register.js', import.meta.url).href;
    const child = spawn(process.execPath, ['--import', registerUrl, app], {
      cwd: dir,
      env: { ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: 'preloaded', APP_VERSION: '5.0.0' },
      stdio: 'ignore',
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(sink.spans.map((s) => [s.name, s.resource['service.name'], s.resource['service.version']])).toEqual([
      ['plain-span', 'preloaded', '5.0.0'],
    ]);
  });

  it('does nothing with OTEL_SDK_DISABLED=true', async () => {
    const app = join(dir, 'disabled-app.mjs');
    const projectPackageJson = fileURLToPath(new URL('../package.json', import.meta.url));
    writeFileSync(
      app,
      `import { createRequire } from 'node:module';\n` +
        `const { trace } = createRequire(${JSON.stringify(projectPackageJson)})('@opentelemetry/api');\n` +
        `trace.getTracer('plain').startSpan('not-exported').end();\nconsole.log('app ran');\n`,
    );
    const { NODE_OPTIONS: _ignored, ...env } = process.env;
    const registerUrl = new URL('../dist/instrumentation/register.js', import.meta.url).href;
    const child = spawn(process.execPath, ['--import', registerUrl, app], {
      cwd: dir,
      env: { ...env, OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect([code, out]).toEqual([0, 'app ran\n']);
    // The process has exited: anything it was going to send has arrived.
    expect(sink.requests).toEqual([]);
  });

  it('keeps the app running, uninstrumented, on a configuration error', async () => {
    const app = join(dir, 'prints.mjs');
    writeFileSync(app, `console.log('app ran');\n`);
    const { NODE_OPTIONS: _ignored, ...env } = process.env;
    const registerUrl = new URL('../dist/instrumentation/register.js', import.meta.url).href;
    const child = spawn(process.execPath, ['--import', registerUrl, app], {
      cwd: dir,
      env: { ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon' },
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toBe('app ran\n');
    expect(err).toContain('verdict: instrumentation disabled: OTLP protocol "carrier-pigeon" is not supported');
  });
});
