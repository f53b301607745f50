// MLflow's search_traces fields behave as in MLflow on MLflow-shaped data (facts as tags and metadata
// on the root span only) and on OTel semantic-convention data (facts on the resource, span types as
// gen_ai.operation.name). The field table of docs/queries.md is the declaration under test: every
// row gets a search here, and every field the compiler declares must be in it.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store/store.js';
import { compileFilter } from '../../queries/filter-compiler.js';
import { canonicalSpellings } from '../../queries/filter-fields.js';
import { search } from '../../queries/search.js';
import { openTestStore, settle, T0 } from '../helpers/seed-spans.js';

interface Span {
  trace: string;
  id: string;
  parent?: string;
  name: string;
  kind?: string;
  atMs: number;
  ms: number;
  error?: boolean;
  attributes?: Record<string, string>;
}

// Trace ids: one hex digit repeated, so each is readable in failures (a… = MLflow-shaped, b… = semconv).
const A1 = 'a1'.repeat(16);
const A2 = 'a2'.repeat(16);
const A3 = 'a3'.repeat(16);
const B1 = 'b1'.repeat(16);
const B2 = 'b2'.repeat(16);

// MLflow-shaped: the trace's tags and metadata on the root span only; the child carries nothing.
const MLFLOW_RESOURCE = { 'service.name': 'mlflow-app' };
const mlflowSpans: Span[] = [
  {
    trace: A1, id: 'a100000000000001', name: 'answer', kind: 'Internal', atMs: 0, ms: 100,
    attributes: {
      'mlflow.traceName': 'answer', environment: 'production', app_version: '2.0', 'mlflow.trace.session': 's1', 'mlflow.trace.user': 'alice',
      'mlflow.source.git.commit': 'abc123', 'mlflow.sourceRun': 'run-1', team: 'search',
    },
  },
  { trace: A1, id: 'a100000000000002', parent: 'a100000000000001', name: 'llm', kind: 'Client', atMs: 10, ms: 80, attributes: { 'mlflow.spanType': 'LLM' } },
  {
    trace: A2, id: 'a200000000000001', name: 'answer', kind: 'Internal', atMs: 60_000, ms: 300, error: true,
    attributes: { 'mlflow.traceName': 'answer', environment: 'staging', app_version: '2.1', 'mlflow.trace.session': 's2', 'mlflow.trace.user': 'bob', team: 'ads' },
  },
  { trace: A2, id: 'a200000000000002', parent: 'a200000000000001', name: 'retrieve', kind: 'Internal', atMs: 60_010, ms: 20, attributes: { 'mlflow.spanType': 'RETRIEVER' } },
  // No tags at all: it lacks every one of them.
  { trace: A3, id: 'a300000000000001', name: 'ping', kind: 'Internal', atMs: 120_000, ms: 5 },
];

// OTel semantic conventions: facts on the resource and the server span; types from gen_ai.operation.name.
const semconvResource = (env: string) => ({
  'service.name': 'chat-api', 'service.version': '1.0', 'deployment.environment.name': env, 'vcs.ref.head.revision': 'def456', region: 'eu',
});
const semconvSpans: Array<[Span, Record<string, string>]> = [
  [{ trace: B1, id: 'b100000000000001', name: 'POST /chat', kind: 'Server', atMs: 180_000, ms: 200, attributes: { 'session.id': 's3', 'user.id': 'carol', 'http.route': '/chat' } }, semconvResource('production')],
  [{ trace: B1, id: 'b100000000000002', parent: 'b100000000000001', name: 'chat gpt-4o', kind: 'Client', atMs: 180_010, ms: 150, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' } }, semconvResource('production')],
  [{ trace: B1, id: 'b100000000000003', parent: 'b100000000000001', name: 'execute_tool search', atMs: 180_020, ms: 30, attributes: { 'gen_ai.operation.name': 'execute_tool' } }, semconvResource('production')],
  [{ trace: B2, id: 'b200000000000001', name: 'POST /embed', kind: 'Server', atMs: 240_000, ms: 50, error: true, attributes: { 'http.route': '/embed' } }, semconvResource('staging')],
  [{ trace: B2, id: 'b200000000000002', parent: 'b200000000000001', name: 'embeddings', kind: 'Client', atMs: 240_005, ms: 40, attributes: { 'gen_ai.operation.name': 'embeddings' } }, semconvResource('staging')],
  [{ trace: B2, id: 'b200000000000003', parent: 'b200000000000001', name: 'invoke_agent helper', atMs: 240_006, ms: 10, attributes: { 'gen_ai.operation.name': 'invoke_agent' } }, semconvResource('staging')],
];

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const map = (m: Record<string, string>) => `map(${Object.entries(m).flatMap(([k, v]) => [q(k), q(v)]).join(', ') || ''})`;

function row(span: Span, resource: Record<string, string>): string {
  const ns = BigInt(T0 + span.atMs) * 1_000_000n;
  return `(fromUnixTimestamp64Nano(toInt64(${ns})), ${q(span.trace)}, ${q(span.id)}, ${q(span.parent ?? '')}, '', ${q(span.name)}, ${q(span.kind ?? 'Internal')}, ${q(resource['service.name'])}, ` +
    `${map(resource)}, 'test', '', ${map(span.attributes ?? {})}, ${span.ms * 1_000_000}, ${q(span.error ? 'Error' : 'Unset')}, '')`;
}

let store: Store;

beforeAll(async () => {
  store = await openTestStore();
  const rows = [...mlflowSpans.map((s) => row(s, MLFLOW_RESOURCE)), ...semconvSpans.map(([s, r]) => row(s, r))];
  await store.client.command({
    query: `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
      ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage) VALUES ${rows.join(', ')}`,
  });
  await settle(store.client);
});

afterAll(async () => {
  await store?.close();
});

const ids = async (filter: string, orderBy?: string) => (await search(store.client, { filter, orderBy, limit: 100 })).traces.map((t) => t.traceId);
const sorted = async (filter: string) => (await ids(filter)).sort();

/** The field table of docs/queries.md: each row's field spellings (code spans of its first cell, backticks inside removed). */
function docsRows(): string[][] {
  const docs = readFileSync(new URL('../../docs/queries.md', import.meta.url), 'utf8');
  const section = docs.slice(docs.indexOf('## The filter language'));
  const table = section.slice(section.indexOf('| field | meaning |'));
  const lines = table.split('\n').slice(2);
  const rows: string[][] = [];
  for (const line of lines) {
    if (!line.startsWith('|')) break;
    const first = line.split(/(?<!`)\|(?!`)/)[1];
    rows.push([...first.matchAll(/``\s(.+?)\s``|`([^`]+)`/g)].map((m) => (m[1] ?? m[2]).replace(/`/g, '')));
  }
  return rows;
}

// Per row (keyed by its first spelling): the rest of a condition, and the traces it matches. KEY and
// NAME in a spelling are replaced by the key given. Every spelling of a row must compile to the same
// SQL as the row's `same` spelling (default: its first), so one search answers for the row.
const ROWS: Record<string, { condition: string; expected: string[]; key?: string; same?: string }> = {
  version: { condition: "= '2.0'", expected: [A1] },
  environment: { condition: "= 'production'", expected: [A1, B1] },
  session: { condition: "= 's3'", expected: [B1] },
  user: { condition: "IN ('alice', 'carol')", expected: [A1, B1] },
  commit: { condition: "= 'def456'", expected: [B1, B2] },
  service: { condition: "= 'mlflow-app'", expected: [A1, A2, A3] },
  name: { condition: "= 'answer'", expected: [A1, A2] },
  status: { condition: "= 'ERROR'", expected: [A2, B2] },
  execution_time_ms: { condition: '>= 200', expected: [A2, B1] },
  timestamp_ms: { condition: `>= ${T0 + 180_000}`, expected: [B1, B2] },
  request_id: { condition: `= 'tr-${A2.toUpperCase()}'`, expected: [A2] },
  run_id: { condition: "= 'run-1'", expected: [A1] },
  'tags.KEY': { key: 'team', condition: "= 'search'", expected: [A1] },
  'attributes.KEY': { key: 'http.route', condition: "= '/embed'", expected: [B2] },
  'resource.KEY': { key: 'region', condition: "= 'eu'", expected: [B1, B2] },
  'span.name': { condition: "= 'retrieve'", expected: [A2] },
  'span.type': { condition: "IN ('chat_model', 'agent')", expected: [B1, B2] },
  'span.kind': { condition: "= 'CLIENT'", expected: [A1, B1, B2] },
  'span.status': { condition: "= 'ERROR'", expected: [A2, B2] },
  'span.duration_ms': { condition: '>= 150', expected: [A2, B1] },
  'span.attributes.KEY': { key: 'gen_ai.request.model', condition: "= 'gpt-4o'", expected: [B1] },
  'tag.KEY': { key: '`mlflow.trace.session`', condition: "= 's1'", expected: [A1], same: 'tags.KEY' },
  'attribute.NAME': { key: 'execution_time', condition: '< 60', expected: [A3, B2], same: 'attributes.NAME' },
  'spans.NAME': { key: 'type', condition: "= 'tool'", expected: [B1], same: 'span.NAME' },
};

describe("docs/queries.md's field table", () => {
  const rows = docsRows();

  it('lists every field the compiler declares, and the test covers every row', () => {
    const documented = new Set(rows.flat());
    expect(canonicalSpellings().filter((s) => !documented.has(s))).toEqual([]);
    expect(rows.map((r) => r[0]).sort()).toEqual(Object.keys(ROWS).sort());
  });

  it.each(rows.map((r) => [r[0], r] as const))('%s: each spelling means the same, and a search finds exactly its traces', async (first, spellings) => {
    const spec = ROWS[first];
    expect(spec, `no test for the docs row ${first}`).toBeDefined();
    const fill = (s: string) => s.replace(/KEY|NAME/, spec.key ?? '');
    const reference = compileFilter(`${fill(spec.same ?? first)} ${spec.condition}`);
    for (const spelling of spellings) expect(compileFilter(`${fill(spelling)} ${spec.condition}`), spelling).toEqual(reference);
    expect(await sorted(`${fill(first)} ${spec.condition}`)).toEqual([...spec.expected].sort());
  });
});

describe('MLflow semantics', () => {
  it('reads root-only MLflow tags and semconv resource attributes as the trace facts they are', async () => {
    expect(await sorted("tags.environment = 'production'")).toEqual([A1, B1]);
    expect(await sorted("metadata.`mlflow.trace.session` = 's1'")).toEqual([A1]);
    expect(await sorted("request_metadata.`mlflow.trace.session` = 's1'")).toEqual([A1]);
    expect(await sorted("tags.app_version = '2.1' AND attributes.status = 'ERROR'")).toEqual([A2]);
  });

  it('takes timestamp and execution_time as the aliases they are in MLflow', async () => {
    expect(await sorted(`attributes.timestamp >= ${T0 + 180_000}`)).toEqual([B1, B2]);
    expect(await sorted('attributes.execution_time > 250')).toEqual([A2]);
    expect(await sorted('trace.execution_time > 250')).toEqual([A2]);
  });

  it('matches no trace that lacks the tag, with != as with =', async () => {
    expect(await sorted("tags.nonexistent != 'x'")).toEqual([]);
    expect(await sorted("tags.team != 'ads'")).toEqual([A1]);
    expect(await sorted("tags.team NOT IN ('ads')")).toEqual([A1]);
    expect(await sorted("tags.environment != 'staging'")).toEqual([A1, B1]);
    // NOT is the logical negation: the traces without a team are not 'ads'.
    expect(await sorted("NOT tags.team = 'ads' AND service = 'mlflow-app'")).toEqual([A1, A3]);
  });

  it('infers span.type from gen_ai.operation.name and compares types and kinds without case', async () => {
    expect(await sorted("span.type = 'CHAT_MODEL'")).toEqual([B1]);
    expect(await sorted("span.type = 'TOOL'")).toEqual([B1]);
    expect(await sorted("span.type = 'EMBEDDING'")).toEqual([B2]);
    expect(await sorted("span.type = 'AGENT'")).toEqual([B2]);
    expect(await sorted("span.type = 'llm'")).toEqual([A1]);
    expect(await sorted("span.type = 'RETRIEVER'")).toEqual([A2]);
    expect(await sorted("span.type = 'UNKNOWN' AND service = 'mlflow-app'")).toEqual([A1, A2, A3]);
    expect(await sorted("span.kind = 'server'")).toEqual([B1, B2]);
    expect(await sorted("span.kind = 'SPAN_KIND_CLIENT'")).toEqual([A1, B1, B2]);
  });

  it.each([
    ['attributes.timestmp_ms > 1', 'did you mean attributes.timestamp_ms?'],
    ['attributes.execution_tim > 1', 'did you mean attributes.execution_time?'],
    ["tags.`mlflow.trace.sesion` = 's1'", 'did you mean tags.`mlflow.trace.session`?'],
    ["trace.colour = 'red'", 'unknown field "trace.colour"'],
    ["span.typ = 'LLM'", 'did you mean span.type?'],
    ["tgas.environment = 'production'", 'did you mean tags.environment?'],
    ["enviroment = 'production'", 'did you mean environment?'],
    ["span.type = 'CLIENT'", "did you mean span.kind = 'CLIENT'"],
    ["span.type IN ('LLM', 'span_kind_server')", "did you mean span.kind = 'SERVER'"],
  ])('refuses %s, naming the field', (filter, message) => {
    expect(() => compileFilter(filter)).toThrow(message);
  });
});

describe('order_by', () => {
  it('orders by execution time, either way, with MLflow names and prefixes', async () => {
    expect(await ids('', 'execution_time_ms DESC')).toEqual([A2, B1, A1, B2, A3]);
    expect(await ids('', 'attributes.execution_time')).toEqual([A3, B2, A1, B1, A2]);
    expect(await ids("service = 'mlflow-app'", 'timestamp_ms ASC')).toEqual([A1, A2, A3]);
    expect(await ids('', 'timestamp_ms DESC')).toEqual([B2, B1, A3, A2, A1]);
    // Ties (the same status) are broken by timestamp_ms DESC, as in MLflow.
    expect(await ids('', 'status')).toEqual([B2, A2, B1, A3, A1]);
  });

  it('pages through an order with the cursor', async () => {
    const all: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await search(store.client, { orderBy: 'execution_time_ms DESC', limit: 2, cursor });
      all.push(...page.traces.map((t) => t.traceId));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(all).toEqual([A2, B1, A1, B2, A3]);
    const first = await search(store.client, { orderBy: 'execution_time_ms DESC', limit: 2 });
    await expect(search(store.client, { orderBy: 'timestamp_ms', limit: 2, cursor: first.nextCursor! })).rejects.toThrow('another orderBy');
  });

  it.each([
    ['run_id', 'cannot order by run_id'],
    ['execution_time_ms SIDEWAYS', 'is not a key with an optional ASC or DESC'],
    ['executon_time_ms', 'did you mean execution_time_ms?'],
    ['status, status DESC', 'status is given twice'],
  ])('refuses %s', async (orderBy, message) => {
    await expect(search(store.client, { orderBy })).rejects.toMatchObject({ code: 'INVALID_QUERY_INPUT', message: expect.stringContaining(message) });
  });
});
