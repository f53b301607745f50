// Online scoring across a SIGKILL: a collector process scores traces with a scorer that logs
// every call; killed (-9) and restarted on the same data, it scores the new traces, and every trace
// was scored exactly once by that scorer version (the checkpoint and the assessments' ids).
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollectorProcess, type CollectorProcess } from '../helpers/collector-process.js';

const dir = mkdtempSync(join(tmpdir(), 'verdict-sigkill-scorer-'));
const calls = join(dir, 'calls.txt');
writeFileSync(calls, '');
const scorer = join(dir, 'counting.mjs');
writeFileSync(scorer, `import { appendFileSync } from 'node:fs';\nexport const version = '3';\nexport default function counting(t) { appendFileSync(${JSON.stringify(calls)}, t.traceId + '\\n'); return t.spans.length; }\n`);

let c: CollectorProcess | undefined;
afterAll(async () => {
  await c?.stop();
});

async function send(url: string, n: number): Promise<string[]> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'svc' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }), { scheduledDelayMillis: 10 })],
  });
  const ids = Array.from({ length: n }, (_, i) => {
    const span = provider.getTracer('t').startSpan(`request ${i}`);
    span.end();
    return span.spanContext().traceId;
  });
  await provider.forceFlush();
  await provider.shutdown();
  return ids;
}

/** Polls the collector until `n` traces carry this scorer's assessment. */
async function scored(p: CollectorProcess, n: number): Promise<void> {
  for (;;) {
    const [r] = await p.sql("SELECT count() AS n FROM verdict_assessments_live WHERE SourceId = 'counting@3'");
    if (Number(r.n) >= n) return;
    await p.flush();
  }
}

describe('online scoring across a SIGKILL', () => {
  it('scores every trace exactly once per scorer version', async () => {
    const args = ['--scorer', scorer, '--scorer-quiet-ms', '0'];
    c = await startCollectorProcess({ args });
    const first = await send(c.otlpHttpUrl, 20);
    await c.flush();
    await scored(c, 20);
    await c.kill();
    c = await startCollectorProcess({ args, dataDir: c.dataDir });
    const second = await send(c.otlpHttpUrl, 10);
    await c.flush();
    await scored(c, 30);
    const perTrace = await c.sql("SELECT TraceId AS t, Versions AS v FROM verdict_assessments_live WHERE SourceId = 'counting@3' ORDER BY t");
    expect(perTrace.map((r) => r.t)).toEqual([...first, ...second].sort());
    expect(perTrace.every((r) => Number(r.v) === 1)).toBe(true);
    const called = readFileSync(calls, 'utf8').split('\n').filter(Boolean);
    expect(called.sort()).toEqual([...first, ...second].sort());
  }, 120_000);
});
