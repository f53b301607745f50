// npm run bench:ingest — spans/s through the running collector (OTLP/HTTP protobuf in, rows in the
// embedded store) next to decode-only speed and the engine's raw insert rate of the same rows, all
// in one run. The figure that matters is end-to-end / raw insert.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '../store/config.js';
import { decodeTraceRequestProtobuf } from '../collector/otlp/protobuf-decoder.js';
import { encodeProtobufSpanRows } from '../collector/encode/wire-rows.js';
import { encodeSpanRows } from '../collector/encode/model-rows.js';
import { openStore } from '../store/store.js';
import { applySchema } from '../schema/apply-schema.js';
import { insertColumnList, rowStructure } from '../schema/otel-traces.js';
import { renderSqlFile } from '../schema/sql-files.js';
import { startCollectorProcess } from '../test/helpers/collector-process.js';
import { makeProtobufRequests } from './span-fixtures.js';
import { postProtobuf } from './otlp-post.js';
import { processCpuMs } from './process-cpu.js';

const DISTINCT_SPANS = Number(process.env.BENCH_SPANS ?? 20_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SPANS_PER_REQUEST = 512;

function rate(spans: number, ms: number): string {
  return `${Math.round((spans / ms) * 1000).toLocaleString('en-US')} spans/s`;
}

function log(line: string): void {
  process.stdout.write(line + '\n');
}

async function main(): Promise<void> {
  // Every repeat is a fresh set of traces, as an app's traffic is: sending the same traces again
  // would make every later repeat re-settle traces already stored, which no real sender does.
  log(`generating ${REPEAT} × ${DISTINCT_SPANS} spans with the OpenTelemetry SDK…`);
  const bodies = Array.from({ length: REPEAT }, () => makeProtobufRequests({ spans: DISTINCT_SPANS, spansPerRequest: SPANS_PER_REQUEST })).flat();
  const bodyBytes = bodies.reduce((n, b) => n + b.length, 0);
  const total = DISTINCT_SPANS * REPEAT;
  log(`${bodies.length} requests of ≤${SPANS_PER_REQUEST} spans, ${(bodyBytes / total).toFixed(0)} protobuf bytes/span, ${total} spans in all`);

  // 1. Decode only, then decode + RowBinary encoding.
  for (const b of bodies.slice(0, 5)) encodeSpanRows(decodeTraceRequestProtobuf(b)); // warm-up
  let t = performance.now();
  for (const b of bodies) decodeTraceRequestProtobuf(b);
  const decodeMs = performance.now() - t;
  t = performance.now();
  const encoded: Buffer[] = [];
  for (const b of bodies) encoded.push(encodeSpanRows(decodeTraceRequestProtobuf(b)).bytes);
  const decodeEncodeMs = performance.now() - t;
  // The collector's protobuf path: protobuf bytes → RowBinary rows in one pass (same bytes as above).
  for (const b of bodies.slice(0, 5)) encodeProtobufSpanRows(b); // warm-up
  t = performance.now();
  for (const b of bodies) encodeProtobufSpanRows(b);
  const fusedEncodeMs = performance.now() - t;

  // 2. Raw engine insert of the same rows, in 50k-row batches, into a fresh embedded store.
  const rawDir = mkdtempSync(join(tmpdir(), 'verdict-bench-raw-'));
  const store = openStore(loadConfig({}, { 'data-dir': rawDir }));
  await applySchema(store.client);
  const perBatch = Math.max(1, Math.floor(50_000 / SPANS_PER_REQUEST));
  const batches: Buffer[] = [];
  for (let i = 0; i < encoded.length; i += perBatch) batches.push(Buffer.concat(encoded.slice(i, i + perBatch)));
  // Written as files first, as the durable queue's segments are; only the inserts are timed.
  const files = batches.map((batch, i) => {
    const file = join(rawDir, `batch-${i}.rb`);
    writeFileSync(file, batch);
    return file;
  });
  t = performance.now();
  const rawCpu = process.cpuUsage();
  // The engine's own insert (the table and its views), without the collector's settling of traces
  // afterwards: that is part of what end to end measures against it.
  const insert = renderSqlFile('schema/inserts/span-rows-from-file.sql', { columns: insertColumnList() });
  for (const [i, file] of files.entries()) {
    await store.client.command({ query: insert, query_params: { path: file, structure: rowStructure(), token: `raw-${i}` } });
  }
  const rawMs = performance.now() - t;
  const rawCpuUsed = process.cpuUsage(rawCpu);
  const rawCpuMs = (rawCpuUsed.user + rawCpuUsed.system) / 1000;
  const rawCount = await countRows(store.client);

  // The same rows as JSONEachRow text (the format @clickhouse/client inserts by default), for comparison.
  const json = await (
    await store.client.query({ query: 'SELECT * EXCEPT (AppVersion, Environment, SessionId, UserId, GitCommit, InputTokens, OutputTokens, IsRequest) FROM otel_traces LIMIT 50000', format: 'JSONEachRow' })
  ).text();
  const jsonRows = json.split('\n').filter(Boolean).length;
  t = performance.now();
  await store.client.exec({ query: 'INSERT INTO otel_traces FORMAT JSONEachRow', values: Readable.from([json]), clickhouse_settings: { async_insert: 0 } });
  const jsonMs = performance.now() - t;
  await store.close();
  rmSync(rawDir, { recursive: true, force: true });

  // 3. End to end through a collector process.
  const collector = await startCollectorProcess();
  const url = new URL('/v1/traces', collector.otlpHttpUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const jobs = bodies.length;
  let failures = 0;
  async function worker(): Promise<void> {
    while (next < jobs) {
      const body = bodies[next++];
      const status = await postProtobuf(agent, url, body);
      if (status !== 200) failures++;
    }
  }
  const collectorCpuAtStart = processCpuMs(collector.child.pid);
  t = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const ackMs = performance.now() - t;
  // Until every acknowledged span is inserted and queryable.
  await collector.flush();
  const e2eMs = performance.now() - t;
  const e2eCpuMs = processCpuMs(collector.child.pid) - collectorCpuAtStart;
  const stored = Number((await collector.sql('SELECT count() AS c FROM otel_traces'))[0].c);
  await collector.stop();
  agent.destroy();
  rmSync(collector.dataDir, { recursive: true, force: true });

  log('');
  log(`decode only (protobuf → model)             ${rate(total, decodeMs)}`);
  log(`decode + RowBinary rows                    ${rate(total, decodeEncodeMs)}`);
  log(`protobuf → RowBinary rows, fused encoder   ${rate(total, fusedEncodeMs)}`);
  log(`raw engine insert, RowBinary (50k batches) ${rate(total, rawMs)}   (${rawCount} rows stored; the table and its views, no settling)`);
  log(`raw engine insert, JSONEachRow text        ${rate(jsonRows, jsonMs)}   (for comparison, ${jsonRows} rows)`);
  log(`acknowledged (durable on disk), ${CONCURRENCY} clients ${rate(total, ackMs)}`);
  log(`end to end, OTLP/HTTP protobuf → stored   ${rate(total, e2eMs)}   (${stored} rows stored, ${failures} failed requests)`);
  log(`end to end / raw insert                    ${((rawMs / e2eMs) * 100).toFixed(0)} %`);
  // CPU time is steadier than wall time when other work shares the machine: the collector's whole
  // cost per span (receive, queue, insert, settle) against the engine's insert alone.
  if (Number.isFinite(e2eCpuMs)) {
    log(`CPU per 1,000 spans: raw insert ${((rawCpuMs / total) * 1000).toFixed(1)} ms, collector end to end ${((e2eCpuMs / total) * 1000).toFixed(1)} ms (raw / end to end ${((rawCpuMs / e2eCpuMs) * 100).toFixed(0)} %)`);
  }
}

async function countRows(client: ReturnType<typeof openStore>['client']): Promise<number> {
  const rows = await (await client.query({ query: 'SELECT count() AS c FROM otel_traces', format: 'JSONEachRow' })).json<{ c: string }>();
  return Number(rows[0].c);
}


main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
