// npm run bench:query — generates a realistic 10M-span data set (30 days, 3 services, 5 versions,
// 3 environments, sessions, a rollback and two canaries; bench/query-data.sql) inside the engine,
// then times every question cold and warm through the typed query layer.
//
//   cold: the first run after dropping the engine's caches (marks, uncompressed blocks, query
//         condition cache, page cache); the OS page cache stays warm — the data set fits in RAM.
//   warm: the median of 5 runs after one untimed run.
//
// The data set is kept in .verdict/bench-query-<size> (BENCH_DIR) and reused; one of another size or
// generator is refused, never replaced, unless BENCH_REGENERATE=1; `--spans 1M | 10M | 100M` sets the size (default 10M; 4 spans per trace;
// BENCH_TRACES still sets it in traces), BENCH_REGENERATE=1 rebuilds it. BENCH_ONLY=regex times only the matching questions. The disk each table uses,
// and its rows, are printed with the timings: the rollups' rows are what the rolled-up questions
// read, so they show how those questions grow with the data kept.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { ClickHouseClient } from '@clickhouse/client';
import { loadConfig } from '../store/config.js';
import { openStore } from '../store/store.js';
import { applySchema } from '../schema/apply-schema.js';
import { PACKAGE_ROOT, readSqlFile } from '../schema/sql-files.js';
import { compare } from '../queries/compare/compare.js';
import { deployments } from '../queries/deployments.js';
import { errorRate } from '../queries/error-rate.js';
import { errors } from '../queries/errors.js';
import { latency } from '../queries/latency.js';
import { search } from '../queries/search.js';
import { session, sessions } from '../queries/sessions.js';
import { trace } from '../queries/trace.js';
import { versions } from '../queries/versions.js';
import { startProgress } from '../cli/progress.js';
import { createSettler } from '../store/settle.js';

/** `--spans 1M` (or 10M, 100M, 250k…): the data set's size in spans. */
function spansArg(argv: string[]): number | undefined {
  const i = argv.indexOf('--spans');
  if (i < 0) return undefined;
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(argv[i + 1] ?? '');
  if (!m) throw new Error(`--spans takes a size such as 1M, 10M or 100M, got ${JSON.stringify(argv[i + 1])}`);
  const unit = m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6;
  return Math.round(Number(m[1]) * unit);
}

const SPANS = spansArg(process.argv.slice(2));
const TRACES = SPANS ? Math.round(SPANS / 4) : Number(process.env.BENCH_TRACES ?? 2_500_000);
const SIZE = SPANS ? process.argv[process.argv.indexOf('--spans') + 1].toUpperCase() : `${TRACES * 4}`;
const DIR = resolve(process.env.BENCH_DIR ?? join(PACKAGE_ROOT, '.verdict', SPANS ? `bench-query-${SIZE}` : 'bench-query'));
const DAYS = 30;
/**
 * Traces generated and settled per step (BENCH_CHUNK). Each settle looks the chunk's traces up in
 * the settled state kept so far, a read that grows with the data set: at 100k traces a chunk that
 * made generation quadratic (30M spans: 44 min); 500k a chunk is 5× fewer such reads, at ~1 GiB
 * of engine memory for the one squashed insert block a settle writes.
 */
const CHUNK = Number(process.env.BENCH_CHUNK ?? 500_000);
const WARM_RUNS = 5;
/** Feedback on the traces (compare then reads it for its quality metrics): 1M for the 10M-span set. */
const ASSESSMENTS = Number(process.env.BENCH_ASSESSMENTS ?? Math.round(TRACES * 0.4));

interface Marker {
  generator: string;
  traces: number;
  startMs: number;
  spans: number;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function one<T = Record<string, unknown>>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T> {
  const res = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return (await res.json<T>())[0];
}

async function generate(client: ClickHouseClient): Promise<Marker> {
  const sql = readSqlFile('bench/query-data.sql');
  // Whole days, ending at the start of today (UTC): "now" in the data set is the end of day 30.
  const endMs = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const startMs = endMs - DAYS * 86_400_000;
  const stepNs = (BigInt(DAYS) * 86_400_000_000_000n) / BigInt(TRACES);
  log(`generating ${TRACES.toLocaleString('en-US')} traces (≈${(TRACES * 4).toLocaleString('en-US')} spans) over ${DAYS} days into ${DIR}`);
  const started = performance.now();
  const bar = startProgress('  generating', TRACES, { unit: 'traces' });
  // Questions read settled traces and their rollups: each chunk is settled as the collector would
  // after an insert, so the timings below are over the derived tables a real store has.
  const settler = createSettler(client, { overlapMs: 1, minGapMs: 0 });
  for (let first = 0; first < TRACES; first += CHUNK) {
    await client.command({
      query: sql,
      query_params: { first, count: Math.min(CHUNK, TRACES - first), start_ns: (BigInt(startMs) * 1_000_000n).toString(), step_ns: stepNs.toString() },
    });
    await settler.settle();
    bar.update(Math.min(first + CHUNK, TRACES));
    // A log (no terminal, no bar) gets a line a step: how far a long run got, and how fast.
    if (!process.stderr.isTTY) {
      const done = Math.min(first + CHUNK, TRACES);
      log(`  ${done.toLocaleString('en-US')} / ${TRACES.toLocaleString('en-US')} traces settled, ${((performance.now() - started) / 1000).toFixed(0)} s, load ${loadavg()[0].toFixed(1)}`);
    }
  }
  bar.stop();
  const { spans } = await one<{ spans: number }>(client, 'SELECT count() AS spans FROM otel_traces');
  const seconds = (performance.now() - started) / 1000;
  const { traces } = await one<{ traces: number }>(client, 'SELECT count() AS traces FROM verdict_traces_live');
  log(`  ${Number(spans).toLocaleString('en-US')} spans (${Number(traces).toLocaleString('en-US')} settled traces) in ${seconds.toFixed(0)} s (${Math.round(Number(spans) / seconds).toLocaleString('en-US')} spans/s, materialized views and settling included)`);
  return { generator: '', traces: TRACES, startMs, spans: Number(spans) };
}

async function waitForMerges(client: ClickHouseClient): Promise<void> {
  const started = performance.now();
  for (;;) {
    const { n } = await one<{ n: number }>(client, 'SELECT count() AS n FROM system.merges');
    if (Number(n) === 0 || performance.now() - started > 600_000) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function dropCaches(client: ClickHouseClient): Promise<void> {
  for (const cache of ['MARK', 'UNCOMPRESSED', 'QUERY CONDITION', 'QUERY', 'MMAP', 'PRIMARY INDEX', 'PAGE']) {
    await client.command({ query: `SYSTEM DROP ${cache} CACHE` });
  }
}

interface Timing {
  question: string;
  coldMs: number;
  warmMs: number;
  /** CPU time of the warm median run (the engine runs in this process): steadier than wall time on a busy machine. */
  warmCpuMs: number;
  target?: number;
}

async function time(client: ClickHouseClient, question: string, run: () => Promise<unknown>, target?: number): Promise<Timing> {
  await dropCaches(client);
  let t = performance.now();
  await run();
  const coldMs = performance.now() - t;
  await run();
  const runs: Array<{ wall: number; cpu: number }> = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    const cpu = process.cpuUsage();
    t = performance.now();
    await run();
    const used = process.cpuUsage(cpu);
    runs.push({ wall: performance.now() - t, cpu: (used.user + used.system) / 1000 });
  }
  runs.sort((a, b) => a.wall - b.wall);
  const median = runs[Math.floor(runs.length / 2)];
  const timing = { question, coldMs, warmMs: median.wall, warmCpuMs: median.cpu, target };
  const verdict = target === undefined ? '' : timing.warmMs < target ? `  (target < ${target} ms: met)` : `  (target < ${target} ms: MISSED)`;
  log(`  ${question.padEnd(48)} warm ${timing.warmMs.toFixed(1).padStart(7)} ms (cpu ${median.cpu.toFixed(0).padStart(5)} ms)   cold ${coldMs.toFixed(1).padStart(7)} ms${verdict}`);
  return timing;
}

async function main(): Promise<void> {
  // Other work on the machine shows in wall times: the load is printed with the results.
  const loadAtStart = loadavg().map((l) => l.toFixed(1)).join(' ');
  const generator = createHash('sha256').update(readFileSync(join(PACKAGE_ROOT, 'bench', 'query-data.sql'))).update(String(TRACES)).update('settled-per-chunk').digest('hex').slice(0, 16);
  const markerFile = join(DIR, 'bench-query.json');
  let marker: Marker | undefined = existsSync(markerFile) ? (JSON.parse(readFileSync(markerFile, 'utf8')) as Marker) : undefined;
  if (marker && process.env.BENCH_REGENERATE === '1') {
    log(`rebuilding the data set in ${DIR} (BENCH_REGENERATE=1)`);
    rmSync(DIR, { recursive: true, force: true });
    marker = undefined;
  } else if (marker && marker.generator !== generator) {
    // Never thrown away unasked: a 100M-span set takes an hour to make, and a run that forgot its
    // --spans (or a changed generator) would otherwise replace it.
    const why = marker.traces !== TRACES
      ? `holds ${marker.spans.toLocaleString('en-US')} spans (${marker.traces.toLocaleString('en-US')} traces), not the ${(TRACES * 4).toLocaleString('en-US')} asked for: run with --spans of its size to reuse it`
      : 'was made by another version of bench/query-data.sql';
    throw new Error(`the data set in ${DIR} ${why}, or set BENCH_REGENERATE=1 to rebuild it`);
  }
  const store = openStore(loadConfig({}, { 'data-dir': DIR }));
  const client = store.client;
  try {
    await applySchema(client);
    if (!marker) {
      marker = { ...(await generate(client)), generator };
      writeFileSync(markerFile, JSON.stringify(marker));
    } else {
      log(`reusing ${marker.spans.toLocaleString('en-US')} spans in ${DIR} (BENCH_REGENERATE=1 rebuilds)`);
    }
    // The generator writes spans only: their traces are settled (and priced) here, as the collector would.
    await store.settle();
    // Feedback for compare's quality metrics (added to a data set generated before it existed, too).
    const { n: assessed } = await one<{ n: number }>(client, 'SELECT count() AS n FROM verdict_assessments');
    if (Number(assessed) === 0) {
      await client.command({ query: readSqlFile('bench/query-assessments.sql'), query_params: { n: ASSESSMENTS } });
      const { n } = await one<{ n: number }>(client, 'SELECT count() AS n FROM verdict_assessments');
      log(`  ${Number(n).toLocaleString('en-US')} assessments (thumbs_up) added`);
      // Counted into the feedback rollups as the collector would, by its next settle run.
      await store.settle();
    }
    log('waiting for background merges to settle…');
    await waitForMerges(client);
    const tables = await client.query({
      query: 'SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS disk, sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed FROM system.parts WHERE active AND database = currentDatabase() GROUP BY table ORDER BY disk DESC',
      format: 'JSONEachRow',
    });
    const disk = await tables.json<{ table: string; rows: string; disk: string; compressed: string; uncompressed: string }>();
    const total = disk.reduce((sum, t) => sum + Number(t.disk), 0);
    log(`on disk: ${(total / 2 ** 20).toFixed(0)} MiB in all, ${(total / marker.spans).toFixed(0)} bytes per span (otel_traces alone: ${(Number(disk.find((t) => t.table === 'otel_traces')?.disk ?? 0) / marker.spans).toFixed(0)})`);
    log('| table | rows | on disk | compressed | uncompressed |');
    log('|---|---:|---:|---:|---:|');
    for (const t of disk) log(`| ${t.table} | ${Number(t.rows).toLocaleString('en-US')} | ${(Number(t.disk) / 2 ** 20).toFixed(1)} MiB | ${(Number(t.compressed) / 2 ** 20).toFixed(1)} MiB | ${(Number(t.uncompressed) / 2 ** 20).toFixed(1)} MiB |`);

    const prod = { service: 'chat-api', environment: 'production' };
    const { trace_id: traceId } = await one<{ trace_id: string }>(
      client,
      "SELECT lower(concat(hex(cityHash64(toUInt64({n:UInt64}), 't1')), hex(cityHash64(toUInt64({n:UInt64}), 't2')))) AS trace_id",
      { n: Math.min(1_234_567, Math.floor(marker.traces / 2)) },
    );
    // (A smaller BENCH_TRACES may not hold that trace: then any session.)
    const { session_id: sessionId } = (await one<{ session_id: string }>(
      client,
      "SELECT SessionId AS session_id FROM otel_traces WHERE TraceId = {t:String} AND IsRequest = 1 LIMIT 1",
      { t: traceId },
    )) ?? (await one<{ session_id: string }>(client, "SELECT SessionId AS session_id FROM verdict_traces_live WHERE SessionId != '' LIMIT 1"));

    log('');
    log(`${marker.spans.toLocaleString('en-US')} spans; each question cold, then warm (median of ${WARM_RUNS}):`);
    const timings: Timing[] = [];
    // BENCH_ONLY=regex times only the questions whose name matches (when iterating on a few).
    const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;
    const q = async (name: string, run: () => Promise<unknown>, target?: number) => {
      if (!only || only.test(name)) timings.push(await time(client, name, run, target));
    };
    await q('versions (all services and environments)', () => versions(client));
    await q('compare 1.1.0 → 1.2.0 with feedback and cost', () => compare(client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' } }), 150);
    await q('compare, time-aligned', () => compare(client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.3.0' }, align: true }), 150);
    await q('compare A/B by feature-flag filter (raw spans)', () =>
      compare(client, { ...prod, baseline: { version: '1.3.0', filter: "attributes.`feature.new_ranker` = 'off'" }, candidate: { version: '1.3.0', filter: "attributes.`feature.new_ranker` = 'on'" } }),
    150);
    await q('compare broken down by request name', () => compare(client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' }, by: 'name' }), 150);
    await q('compare broken down by model (LLM child spans)', () => compare(client, { ...prod, baseline: { version: '1.1.0' }, candidate: { version: '1.2.0' }, by: 'model' }), 150);
    await q('error rate over time (30 days, per version)', () => errorRate(client, prod), 150);
    await q('error rate over time, all services', () => errorRate(client, {}), 150);
    await q('errors new in 1.2.0', () => errors(client, { ...prod, baseline: '1.1.0', candidate: '1.2.0' }));
    await q('latency distribution per version', () => latency(client, prod));
    await q('deployments (all services and environments)', () => deployments(client));
    await q('sessions of 1.2.0 (100 most recent)', () => sessions(client, { ...prod, version: '1.2.0' }));
    await q('one session in order', () => session(client, sessionId));
    await q("search: resource environment + status = 'ERROR'", () => search(client, { filter: "resource.`deployment.environment.name` = 'production' AND attributes.status = 'ERROR'" }));
    await q('search: span.attributes model + duration', () =>
      search(client, { filter: "span.attributes.gen_ai.request.model = 'gpt-4o' AND version = '2.0.0' AND attributes.execution_time_ms > 1000" }),
    150);
    // Nothing matches, so the search walks every window back to the first span.
    await q('search matching nothing', () => search(client, { filter: "version = '9.9.9' AND attributes.status = 'ERROR'" }), 150);
    await q('trace by id', () => trace(client, traceId), 50);

    log('');
    log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores (at the start: ${loadAtStart})`);
    log('| question | warm ms | warm cpu ms | cold ms |');
    log('|---|---:|---:|---:|');
    for (const t of timings) log(`| ${t.question}${t.target ? ` (target < ${t.target})` : ''} | ${t.warmMs.toFixed(0)} | ${t.warmCpuMs.toFixed(0)} | ${t.coldMs.toFixed(0)} |`);
    const missed = timings.filter((t) => t.target !== undefined && t.warmMs >= t.target);
    if (missed.length > 0) log(`\nmissed targets: ${missed.map((t) => t.question).join('; ')}`);
  } finally {
    await store.close();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:query failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
