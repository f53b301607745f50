// Code scorers, in MLflow's @scorer spirit: a user's JS module exports a function that gets a trace
// (its spans, inputs and outputs read from the gen_ai / OpenInference / MLflow attributes and events,
// and its expectations) and returns a value or { value, rationale }. Results are stored as feedback
// from source CODE `<name>@<version>`, under an id derived from scorer, version and trace, so that
// scoring a trace again (after a crash) is the same assessment. A scorer that throws or outlives
// its timeout records an error assessment; nothing it does stops the caller.
import type { ClickHouseClient } from '@clickhouse/client';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readSqlFile, renderSqlFile } from '../schema/sql-files.js';
import { formatTimestamp, typedValue, type AssessmentRow } from './assessment.js';
import { BUILTIN_SCORERS } from './builtin-scorers.js';

export interface ScorerSpan {
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: string;
  status: string;
  statusMessage: string;
  service: string;
  startMs: number;
  durationMs: number;
  attributes: Record<string, string>;
  events: Array<{ name: string; attributes: Record<string, string> }>;
}

export interface ScorerTrace {
  traceId: string;
  spans: ScorerSpan[];
  /** The request's input and the answer, as text, from the first attribute or event found (see docs/quality.md). */
  inputs: string | undefined;
  outputs: string | undefined;
  /** Live expectations by name (the value as given). */
  expectations: Record<string, unknown>;
}

export type ScorerValue = number | boolean | string | Record<string, unknown> | unknown[] | null;
export type ScorerResult = ScorerValue | { value: ScorerValue; rationale?: string };
export type ScorerFn = (trace: ScorerTrace) => ScorerResult | Promise<ScorerResult>;

export interface Scorer {
  name: string;
  version: string;
  score: ScorerFn;
}

export class ScorerLoadError extends Error {
  readonly code = 'SCORER_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ScorerLoadError';
  }
}

/**
 * Loads `builtin:<name>` or a module exporting `default` (or `scorer`) as a function; its name and
 * version come from exports `name` / `version`, else the function's own properties, else the file
 * name and "1".
 */
export async function loadScorer(spec: string): Promise<Scorer> {
  if (spec.startsWith('builtin:')) {
    const builtin = BUILTIN_SCORERS[spec.slice('builtin:'.length)];
    if (!builtin) throw new ScorerLoadError(`--scorer ${spec}: no such built-in scorer (there are ${Object.keys(BUILTIN_SCORERS).map((n) => `builtin:${n}`).join(', ')})`);
    return builtin;
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(spec)).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ScorerLoadError(`--scorer ${spec}: cannot load it: ${(err as Error).message}`);
  }
  const fn = (mod.default ?? mod.scorer) as (ScorerFn & { scorerName?: string; version?: string }) | undefined;
  if (typeof fn !== 'function') throw new ScorerLoadError(`--scorer ${spec}: export a function (default or \`scorer\`)`);
  const name = String(mod.name ?? fn.scorerName ?? basename(spec, extname(spec)));
  const version = String(mod.version ?? fn.version ?? '1');
  if (!/^[\w.:-]{1,128}$/.test(name)) throw new ScorerLoadError(`--scorer ${spec}: name "${name}" must be letters, digits, _ . : - (at most 128)`);
  return { name, version, score: fn };
}

export const scorerSource = (s: Scorer) => `${s.name}@${s.version}`;
export const scorerAssessmentId = (s: Scorer, traceId: string) => `scorer:${scorerSource(s)}:${traceId}`;

const INPUT_KEYS = ['gen_ai.input.messages', 'gen_ai.prompt', 'input.value', 'mlflow.spanInputs', 'langfuse.observation.input', 'gen_ai.system_instructions'];
const OUTPUT_KEYS = ['gen_ai.output.messages', 'gen_ai.completion', 'output.value', 'mlflow.spanOutputs', 'langfuse.observation.output'];
const INPUT_EVENTS = ['gen_ai.user.message', 'gen_ai.client.inference.operation.details'];
const OUTPUT_EVENTS = ['gen_ai.choice', 'gen_ai.assistant.message'];

/** The first of `keys` on the root span, else on any span (the last one for outputs), else in events. */
function textOf(spans: ScorerSpan[], keys: string[], events: string[], last: boolean): string | undefined {
  // Indexed rather than through copied and reversed arrays: this runs twice for every trace scored.
  const n = spans.length;
  const at = (i: number) => spans[last ? n - 1 - i : i];
  for (const s of spans) {
    if (s.parentSpanId !== '') continue;
    for (const k of keys) if (s.attributes[k]) return s.attributes[k];
  }
  for (let i = 0; i < n; i++) for (const k of keys) if (at(i).attributes[k]) return at(i).attributes[k];
  for (let i = 0; i < n; i++) {
    for (const e of at(i).events) {
      if (!events.includes(e.name)) continue;
      const a = e.attributes;
      const text = a.content ?? a.message ?? a['gen_ai.event.content'] ?? (Object.keys(a).length > 0 ? JSON.stringify(a) : undefined);
      if (text) return text;
    }
  }
  return undefined;
}

/** A row of quality/scorer-traces.sql (compact: the columns in its order; 64-bit integers come unquoted from the embedded engine, quoted from a server). */
type SpanRow = [
  traceId: string, startUs: number | string, spanId: string, parentSpanId: string, name: string, kind: string, status: string, statusMessage: string,
  durationMs: number | string, service: string, attributes: Record<string, string>, events: Array<[string, Record<string, string>]>,
];

export interface LoadedTraces {
  traces: ScorerTrace[];
  /** Whether this scorer version has scored this trace already (its assessment is stored). */
  scored(scorer: Scorer, traceId: string): boolean;
}

/** Where an online batch lies in verdict_scorer_queue: after `from` (the checkpoint), up to and including `to` (its last row). */
export interface QueueRange {
  from: { at: string; trace: string };
  to: { at: string; trace: string };
}

const BY_IDS = '{traces:Array(String)}';
const BY_QUEUE = readSqlFile('quality/scorer-queue-range.sql');

/**
 * Loads a batch of traces as scorers see them, and which of `scorers` have scored each already:
 * two queries, whatever the batch size (each statement carrying a batch of ids costs the engine
 * a few ms before it reads anything, so the expectations and the scored marks share one). An
 * online batch names its traces by its `queue` range instead: an array parameter is parsed from
 * the statement's text at each use (~1.7 µs an id), the range is a key range the engine reads.
 */
export async function loadTraces(client: ClickHouseClient, traceIds: string[], scorers: readonly Scorer[] = [], queue?: QueueRange): Promise<LoadedTraces> {
  if (traceIds.length === 0) return { traces: [], scored: () => false };
  const sources = scorers.map(scorerSource);
  const batch = queue ? BY_QUEUE : BY_IDS;
  const batchParams = queue ? { from_at: queue.from.at, from_trace: queue.from.trace, to_at: queue.to.at, to_trace: queue.to.trace } : { traces: traceIds };
  // One after the other: the embedded engine runs parameterized statements one at a time anyway.
  const spanResult = await client.query({ query: renderSqlFile('quality/scorer-traces.sql', { batch }), query_params: batchParams, format: 'JSONCompactEachRow' });
  const spanRows = await spanResult.json<SpanRow>();
  const assessedResult = await client.query({ query: renderSqlFile('quality/scorer-assessed.sql', { batch }), query_params: { ...batchParams, sources }, format: 'JSONEachRow' });
  const assessedRows = await assessedResult.json<Record<string, unknown>>();
  const byTrace = new Map<string, ScorerTrace>(traceIds.map((id) => [id, { traceId: id, spans: [], inputs: undefined, outputs: undefined, expectations: {} }]));
  // Each trace's spans by start; sorted here rather than in the engine, which would carry every
  // span's attributes through a sort step (a fifth of the statement's cost).
  spanRows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : Number(a[1]) - Number(b[1])));
  for (const [traceId, startUs, spanId, parentSpanId, name, kind, status, statusMessage, durationMs, service, attributes, events] of spanRows) {
    byTrace.get(traceId)?.spans.push({
      spanId, parentSpanId, name, kind, status, statusMessage, service, startMs: Math.floor(Number(startUs) / 1000), durationMs: Number(durationMs), attributes,
      events: events.map(([eventName, eventAttributes]) => ({ name: eventName, attributes: eventAttributes })),
    });
  }
  // A scorer's own assessment is named for it and comes from its source (name@version).
  const done = new Set<string>();
  for (const r of assessedRows) {
    const source = String(r.source);
    if (sources.includes(source) && source.startsWith(`${String(r.name)}@`)) done.add(`${source}\n${String(r.traceId)}`);
    if (r.kind !== 'expectation') continue;
    const t = byTrace.get(String(r.traceId));
    if (!t) continue;
    try {
      t.expectations[String(r.name)] = JSON.parse(String(r.value));
    } catch {
      t.expectations[String(r.name)] = String(r.value);
    }
  }
  for (const t of byTrace.values()) {
    t.inputs = textOf(t.spans, INPUT_KEYS, INPUT_EVENTS, false);
    t.outputs = textOf(t.spans, OUTPUT_KEYS, OUTPUT_EVENTS, true);
  }
  return { traces: [...byTrace.values()], scored: (scorer, traceId) => done.has(`${scorerSource(scorer)}\n${traceId}`) };
}

class ScorerTimeout extends Error {}

/** When a scorer answered: one text per millisecond, not one per trace (a batch scores thousands in a few). */
let stampMs = -1;
let stampText = '';
function assessedNow(): string {
  const now = Date.now();
  if (now !== stampMs) {
    stampMs = now;
    stampText = formatTimestamp(now);
  }
  return stampText;
}

const isThenable = (v: unknown): v is PromiseLike<ScorerResult> => typeof (v as { then?: unknown } | null)?.then === 'function';

/** Scores one trace; never throws: a failure or a timeout is an error assessment. */
export async function scoreTrace(scorer: Scorer, trace: ScorerTrace, timeoutMs: number): Promise<AssessmentRow> {
  // Written out rather than spread from a shared base: this runs for every trace scored.
  const row = (v: Pick<AssessmentRow, 'ValueType' | 'Score' | 'Label' | 'Value'>, rationale: string, error: string): AssessmentRow => ({
    AssessmentId: scorerAssessmentId(scorer, trace.traceId),
    TraceId: trace.traceId,
    SpanId: '',
    Name: scorer.name,
    Kind: 'feedback',
    ValueType: v.ValueType,
    Score: v.Score,
    Label: v.Label,
    Value: v.Value,
    SourceType: 'CODE',
    SourceId: scorerSource(scorer),
    Rationale: rationale,
    Metadata: {},
    Error: error,
    Origin: 'scorer',
    Timestamp: assessedNow(),
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    let result = scorer.score(trace);
    // Only an answer still to come is raced against the timeout: a synchronous scorer has answered
    // already (nothing could have interrupted it), and a timer per trace is most of a trivial scorer's cost.
    if (isThenable(result)) {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ScorerTimeout(`timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      result = await Promise.race([result, timeout]);
    }
    const withRationale = typeof result === 'object' && result !== null && !Array.isArray(result) && 'value' in result;
    const value = withRationale ? (result as { value: ScorerValue }).value : result;
    const rationale = withRationale ? String((result as { rationale?: unknown }).rationale ?? '') : '';
    return row(typedValue(value, 'value'), rationale, '');
  } catch (err) {
    const code = err instanceof ScorerTimeout ? 'SCORER_TIMEOUT' : 'SCORER_ERROR';
    return row({ ValueType: 'none', Score: null, Label: '', Value: 'null' }, '', `${code}: ${(err as Error)?.message ?? String(err)}`);
  } finally {
    clearTimeout(timer);
  }
}
