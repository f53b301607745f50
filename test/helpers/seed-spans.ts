// Seeds otel_traces with populations whose answers are known exactly, generated inside the engine
// (INSERT … SELECT FROM numbers()) so that thousands of traces cost milliseconds. Each request is a
// root Server span, optionally with child spans; the first child of each trace carries the tokens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { loadConfig } from '../../store/config.js';
import { openStore, type Store } from '../../store/store.js';
import { applySchema } from '../../schema/apply-schema.js';
import { createSettler, type Settler } from '../../store/settle.js';

export interface Population {
  service: string;
  environment: string;
  version: string;
  commit?: string;
  requests: number;
  /** Exactly this many requests fail, spread evenly over the population. */
  errors: number;
  /** Request i starts at startMs + i * spacingMs. */
  startMs: number;
  spacingMs: number;
  /** Request i lasts latencyMs * (0.5 + (i % 100) / 100): uniform over [0.5, 1.5) × latencyMs. */
  latencyMs: number;
  /** Request span names, used in turn (request i gets names[i % names.length]). */
  names?: string[];
  /** Child spans per request (default 0). */
  children?: number;
  /** Tokens on the first child span: base ± 5 (alternating), so they vary and an even count averages to the base. */
  inputTokens?: number;
  outputTokens?: number;
  /** Model on the first child span (gen_ai.request.model). */
  model?: string;
  errorMessage?: string;
  /** Requests i with the same intDiv(i, turnsPerSession) share session `${sessionPrefix}-${that}`. */
  sessionPrefix?: string;
  turnsPerSession?: number;
  /** Extra attributes on the request span. */
  attributes?: Record<string, string>;
  /**
   * The version only on the request (root) span, as MLflow's `app_version` tag: the resource has no
   * service.version, so child spans carry none and take their trace's (trace-level attribution).
   */
  versionOnRootOnly?: boolean;
  /** Makes trace ids unique across populations (default: service/environment/version/startMs). */
  seed?: string;
}

const SEED_SQL = `
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
    ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage)
SETTINGS async_insert = 0, insert_deduplication_token = {token:String}
WITH
    number AS n,
    lower(hex(MD5(concat({seed:String}, '/', toString(n))))) AS trace_id,
    substring(lower(hex(MD5(concat({seed:String}, '/', toString(n), '/root')))), 1, 16) AS root_id,
    intDiv((n + 1) * {errors:UInt64}, {requests:UInt64}) > intDiv(n * {errors:UInt64}, {requests:UInt64}) AS failed,
    toUInt64({latency_ms:Float64} * 1e6 * (0.5 + (n % 100) / 100)) AS root_ns,
    {start_ms:Int64} * 1000000 + toInt64(n) * {spacing_ms:Int64} * 1000000 AS start_ns,
    if({turns:UInt64} > 0, concat({session_prefix:String}, '-', toString(intDiv(n, greatest({turns:UInt64}, 1)))), '') AS session_id,
    arrayJoin(range(toUInt64(1 + {children:UInt64}))) AS i
SELECT
    fromUnixTimestamp64Nano(start_ns + i * 1000) AS Timestamp,
    trace_id AS TraceId,
    if(i = 0, root_id, substring(lower(hex(MD5(concat({seed:String}, '/', toString(n), '/', toString(i))))), 1, 16)) AS SpanId,
    if(i = 0, '', root_id) AS ParentSpanId,
    '' AS TraceState,
    if(i = 0, {names:Array(String)}[1 + n % length({names:Array(String)})], if(i = 1, concat('chat ', {model:String}), concat('step ', toString(i)))) AS SpanName,
    if(i = 0, 'Server', if(i = 1, 'Client', 'Internal')) AS SpanKind,
    {service:String} AS ServiceName,
    map('service.name', {service:String}, 'service.version', {resource_version:String},
        'deployment.environment.name', {environment:String}, 'vcs.ref.head.revision', {commit:String}) AS ResourceAttributes,
    'seed' AS ScopeName,
    '' AS ScopeVersion,
    if(i = 0,
       mapUpdate(map('session.id', session_id), {attributes:Map(String, String)}),
       if(i = 1,
          map('gen_ai.request.model', {model:String},
              'gen_ai.usage.input_tokens', toString(toInt64({input_tokens:UInt64}) + if(n % 2 = 0, 5, -5)),
              'gen_ai.usage.output_tokens', toString(toInt64({output_tokens:UInt64}) + if(n % 2 = 0, 5, -5))),
          map())) AS SpanAttributes,
    if(i = 0, root_ns, intDiv(root_ns, 2)) AS Duration,
    if(i = 0 AND failed, 'Error', if(i = 0, 'Ok', 'Unset')) AS StatusCode,
    if(i = 0 AND failed, {error_message:String}, '') AS StatusMessage
FROM numbers({requests:UInt64})
`;

let tokenSeq = 0;

const settlers = new WeakMap<ClickHouseClient, Settler>();

/** Settles what was inserted straight into otel_traces, as the collector does after each batch. */
export async function settle(client: ClickHouseClient): Promise<void> {
  let settler = settlers.get(client);
  if (!settler) settlers.set(client, (settler = createSettler(client, { overlapMs: 1, minGapMs: 0 })));
  await settler.settle();
}

/** Inserts a population (its traces are then settled, as after the collector's own inserts). */
export async function seed(client: ClickHouseClient, p: Population, token?: string): Promise<void> {
  await client.command({
    query: SEED_SQL,
    query_params: {
      token: token ?? `seed-${process.pid}-${++tokenSeq}-${Math.random()}`,
      seed: p.seed ?? `${p.service}/${p.environment}/${p.version}/${p.startMs}`,
      errors: p.errors,
      requests: p.requests,
      latency_ms: p.latencyMs,
      start_ms: p.startMs,
      spacing_ms: p.spacingMs,
      turns: p.turnsPerSession ?? 0,
      session_prefix: p.sessionPrefix ?? '',
      children: p.children ?? 0,
      names: p.names ?? ['POST /chat'],
      model: p.model ?? 'gpt-4o',
      service: p.service,
      version: p.version,
      resource_version: p.versionOnRootOnly ? '' : p.version,
      environment: p.environment,
      commit: p.commit ?? '',
      attributes: { 'app.version': p.version, ...(p.attributes ?? {}) },
      input_tokens: p.inputTokens ?? 0,
      output_tokens: p.outputTokens ?? 0,
      error_message: p.errorMessage ?? 'internal error',
    },
  });
  await settle(client);
}

/** An embedded store in a fresh temporary folder with the schema applied. */
export async function openTestStore(): Promise<Store> {
  const store = openStore(loadConfig({}, { 'data-dir': mkdtempSync(join(tmpdir(), 'verdict-queries-')) }));
  await applySchema(store.client);
  return store;
}

/** Closes a store openTestStore made and removes its folder (for files that do not reopen it). */
export async function removeTestStore(store: Store | undefined): Promise<void> {
  if (!store) return;
  await store.close();
  rmSync(dirname(store.location), { recursive: true, force: true });
}

export const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
