// npm run bench:instrumentation — spans/s an app creates and exports with the plain OTel SDK versus with
// Verdict's instrumentation, same exporter and batch settings, in one run. Two exporters: a no-op one (the SDK's
// own cost, where any overhead shows most) and OTLP/HTTP protobuf to a sink on 127.0.0.1 in a worker thread.
//
//   BENCH_REQUESTS=50000 BENCH_ROUNDS=7 npm run bench:instrumentation

import { Worker } from 'node:worker_threads';
import { context, SpanKind, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { verdictResource, verdictSpanProcessor, withSession, withVersion } from '../instrumentation/index.js';

type Variant = 'plain' | 'plain+attrs' | 'verdict';
type ExporterKind = 'noop' | 'otlp';

interface CountingExporter extends SpanExporter {
  exported: number;
  /** Resolves once `exported` reaches `count`. */
  until(count: number): Promise<void>;
}

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SPANS_PER_REQUEST = 3;
const CHUNK = 200; // requests between yields to the event loop
const MAX_BACKLOG = 8_192; // spans ended but not yet exported before the app waits: no span is ever dropped
const VARIANTS: readonly Variant[] = ['plain', 'plain+attrs', 'verdict'];
// Identical for every variant: the specification's defaults, with a queue deep enough for MAX_BACKLOG.
const BATCH = { maxQueueSize: 16_384, maxExportBatchSize: 512, scheduledDelayMillis: 5_000, exportTimeoutMillis: 30_000 };

const SINK_SOURCE = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/x-protobuf' }); res.end(); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

async function main(): Promise<void> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const sink = new Worker(SINK_SOURCE, { eval: true });
  const port = await new Promise<number>((resolve) => sink.once('message', resolve));
  const sinkUrl = `http://127.0.0.1:${port}/v1/traces`;
  const spans = REQUESTS * SPANS_PER_REQUEST;

  log(`bench:instrumentation — ${spans.toLocaleString('en-US')} spans per run (${REQUESTS.toLocaleString('en-US')} requests × ${SPANS_PER_REQUEST} spans), median of ${ROUNDS} runs, Node ${process.version}`);
  log('plain       = OTel SDK, no session/user/version data');
  log('plain+attrs = OTel SDK, the same session/user/version attributes set by hand on every span');
  log('verdict     = verdictResource() + verdictSpanProcessor(), attributes from withSession/withVersion scopes');
  log('');

  const results: Record<ExporterKind, Record<Variant, number>> = { noop: emptyResult(), otlp: emptyResult() };
  for (const kind of ['noop', 'otlp'] as const) {
    const makeExporter = (): CountingExporter => countingExporter(kind === 'otlp' ? new OTLPTraceExporter({ url: sinkUrl }) : undefined);
    for (const variant of VARIANTS) await runOnce(variant, makeExporter(), Math.min(REQUESTS, 5_000)); // warm-up
    const samples: Record<Variant, number[]> = { plain: [], 'plain+attrs': [], verdict: [] };
    // Interleaved rounds, so drift (GC, CPU frequency, the sink) spreads evenly over the variants.
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of VARIANTS) samples[variant].push(await runOnce(variant, makeExporter(), REQUESTS));
    }
    for (const variant of VARIANTS) results[kind][variant] = median(samples[variant]);
  }
  await sink.terminate();

  const rows = [
    ['exporter', 'plain', 'plain+attrs', 'verdict', 'verdict/plain', 'verdict/plain+attrs'],
    ...(['noop', 'otlp'] as const).map((kind) => {
      const r = results[kind];
      return [
        kind === 'noop' ? 'no-op (SDK only)' : 'OTLP/HTTP protobuf → 127.0.0.1',
        rate(r.plain),
        rate(r['plain+attrs']),
        rate(r.verdict),
        ratio(r.verdict, r.plain),
        ratio(r.verdict, r['plain+attrs']),
      ];
    }),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  // The same difference in absolute terms, against the time a real request takes.
  const perRequestUs = (1e6 / results.noop.verdict - 1e6 / results.noop['plain+attrs']) * SPANS_PER_REQUEST;
  log('');
  log(`Verdict's extra CPU per request (${SPANS_PER_REQUEST} spans) over setting the same attributes by hand: ${perRequestUs.toFixed(2)} µs`);
}

/** Creates REQUESTS requests of 3 spans and returns spans/s until the last one is exported. */
async function runOnce(variant: Variant, exporter: CountingExporter, requests: number): Promise<number> {
  const processor: SpanProcessor =
    variant === 'verdict'
      ? verdictSpanProcessor({ exporter, batch: { ...BATCH }, flushOnExit: false })
      : new BatchSpanProcessor(exporter, { ...BATCH });
  const resource =
    variant === 'verdict'
      ? verdictResource({ serviceName: 'bench', serviceVersion: '1.0.0' })
      : resourceFromAttributes({ 'service.name': 'bench', 'service.version': '1.0.0' });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  const tracer = provider.getTracer('bench', '1.0.0');

  const total = requests * SPANS_PER_REQUEST;
  const start = performance.now();
  for (let i = 0; i < requests; i++) {
    const session = `session-${i % 500}`;
    const user = `user-${i % 97}`;
    const version = i % 2 === 0 ? 'v1' : 'v2';
    if (variant === 'verdict') {
      withSession({ sessionId: session, userId: user }, () => withVersion(version, () => request(tracer, i, undefined)));
    } else if (variant === 'plain+attrs') {
      request(tracer, i, { 'session.id': session, 'user.id': user, 'app.version': version });
    } else {
      request(tracer, i, undefined);
    }
    if (i % CHUNK === CHUNK - 1) {
      const created = (i + 1) * SPANS_PER_REQUEST;
      if (created - exporter.exported > MAX_BACKLOG) await exporter.until(created - MAX_BACKLOG / 2);
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  await provider.forceFlush();
  await exporter.until(total);
  const elapsedMs = performance.now() - start;
  await provider.shutdown();
  return (total / elapsedMs) * 1000;
}

/** One request as an app would trace it: a server span with two children, a handful of attributes each. */
function request(tracer: Tracer, i: number, extra: Record<string, string> | undefined): void {
  tracer.startActiveSpan('POST /chat', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.route': '/chat', ...extra } }, (root) => {
    const retrieve = tracer.startSpan('retrieve_context', { attributes: { 'retrieval.documents': 4, ...extra } });
    retrieve.end();
    const llm = tracer.startSpan('chat small', {
      kind: SpanKind.CLIENT,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'small', 'gen_ai.usage.input_tokens': 400 + (i % 50), ...extra },
    });
    llm.end();
    root.setAttribute('http.response.status_code', 200);
    root.end();
  });
}

/** Counts acknowledged spans; with no inner exporter, acknowledges at once (the SDK's cost alone). */
function countingExporter(inner: SpanExporter | undefined): CountingExporter {
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const exporter: CountingExporter = {
    exported: 0,
    export(batch: ReadableSpan[], done: (result: ExportResult) => void): void {
      const finish = (result: ExportResult) => {
        if (result.code === ExportResultCode.SUCCESS) exporter.exported += batch.length;
        else throw new Error(`export failed: ${result.error?.message}`);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (exporter.exported >= waiters[i]!.count) waiters.splice(i, 1)[0]!.resolve();
        }
        done(result);
      };
      if (inner) inner.export(batch, finish);
      else finish({ code: ExportResultCode.SUCCESS });
    },
    until(count: number): Promise<void> {
      if (exporter.exported >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    shutdown: () => inner?.shutdown() ?? Promise.resolve(),
  };
  return exporter;
}

function emptyResult(): Record<Variant, number> {
  return { plain: 0, 'plain+attrs': 0, verdict: 0 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function rate(spansPerSecond: number): string {
  return `${Math.round(spansPerSecond).toLocaleString('en-US')} spans/s`;
}

/** Throughput ratio and the overhead it means: 0.96 = 4.0 % fewer spans/s. */
function ratio(verdict: number, baseline: number): string {
  const r = verdict / baseline;
  const overhead = (1 - r) * 100;
  return `${r.toFixed(3)} (${Math.abs(overhead).toFixed(1)} % ${overhead >= 0 ? 'overhead' : 'faster'})`;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:instrumentation: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
