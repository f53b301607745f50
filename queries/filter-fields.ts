// The fields of the filter language, declared once: each spelling the compiler accepts and what it
// reads. docs/queries.md's field table lists the same spellings, and test/queries/filter-fields.test.ts
// holds the two together (a spelling in one and not the other fails) and runs one search per row.

import type { AssessmentField } from './filter-assessments.js';
/** What a field reads; `expr` is SQL over a settled trace (or, for span fields, over a raw span). */
export type Target =
  | { kind: 'string'; expr: string }
  /** Compared without regard to case: `expr` is already folded, values go through `fold`. */
  | { kind: 'caseless'; expr: string; fold: (value: string) => string; refuse?: (folded: string) => string | undefined }
  | { kind: 'number'; expr: string }
  | { kind: 'status'; expr: string }
  | { kind: 'traceId' }
  | { kind: 'attribute'; maps: Array<'SpanAttributes' | 'ResourceAttributes'>; key: string }
  | AssessmentField;

/** Verdict's own names for a trace's facts (docs/schema.md's derived columns, settled per trace). */
export const FACT_FIELDS: Record<string, Target> = {
  version: { kind: 'string', expr: 'AppVersion' },
  environment: { kind: 'string', expr: 'Environment' },
  env: { kind: 'string', expr: 'Environment' },
  session: { kind: 'string', expr: 'SessionId' },
  session_id: { kind: 'string', expr: 'SessionId' },
  user: { kind: 'string', expr: 'UserId' },
  user_id: { kind: 'string', expr: 'UserId' },
  service: { kind: 'string', expr: 'ServiceName' },
  commit: { kind: 'string', expr: 'GitCommit' },
};

/** The run an MLflow trace came from: MLflow's TraceMetadataKey.SOURCE_RUN. */
const RUN_ID: Target = { kind: 'attribute', maps: ['SpanAttributes', 'ResourceAttributes'], key: 'mlflow.sourceRun' };

/**
 * MLflow's trace attributes (SearchTraceUtils.VALID_SEARCH_ATTRIBUTE_KEYS, with its aliases
 * `timestamp` and `execution_time`) and Verdict's names for the same, spelled with or without
 * `attributes.` / `trace.`.
 */
export const TRACE_FIELDS: Record<string, Target> = {
  status: { kind: 'status', expr: 'RequestStatus' },
  execution_time_ms: { kind: 'number', expr: 'RequestDuration / 1e6' },
  execution_time: { kind: 'number', expr: 'RequestDuration / 1e6' },
  duration_ms: { kind: 'number', expr: 'RequestDuration / 1e6' },
  timestamp_ms: { kind: 'number', expr: 'toUnixTimestamp64Milli(Start)' },
  timestamp: { kind: 'number', expr: 'toUnixTimestamp64Milli(Start)' },
  name: { kind: 'string', expr: 'RequestName' },
  request_id: { kind: 'traceId' },
  trace_id: { kind: 'traceId' },
  run_id: RUN_ID,
};

/**
 * Tag and metadata keys that mean a trace fact: MLflow's reserved keys (mlflow.trace.session,
 * mlflow.trace.user, mlflow.source.git.commit, mlflow.traceName), the keys MLflow's docs use for
 * the environment and the app version, and every other key a fact is derived from (docs/schema.md),
 * so that `tags.environment = 'production'` finds a trace whichever of its spans said so, in
 * whichever convention. Matched without regard to case.
 */
export const FACT_TAGS: Record<string, Target> = {
  ...Object.fromEntries(['app.version', 'app_version', 'langfuse.version', 'langfuse.release'].map((k) => [k, FACT_FIELDS.version])),
  ...Object.fromEntries(['deployment.environment.name', 'deployment.environment', 'environment', 'langfuse.environment'].map((k) => [k, FACT_FIELDS.environment])),
  ...Object.fromEntries(['session.id', 'gen_ai.conversation.id', 'mlflow.trace.session', 'langfuse.session.id'].map((k) => [k, FACT_FIELDS.session])),
  ...Object.fromEntries(['user.id', 'enduser.id', 'mlflow.trace.user', 'langfuse.user.id'].map((k) => [k, FACT_FIELDS.user])),
  ...Object.fromEntries(['vcs.ref.head.revision', 'vcs.repository.ref.revision', 'mlflow.source.git.commit'].map((k) => [k, FACT_FIELDS.commit])),
  'service.name': FACT_FIELDS.service,
  'mlflow.traceName': TRACE_FIELDS.name,
  'mlflow.sourceRun': RUN_ID,
};

/**
 * A span's type as MLflow names it: MLflow's own attribute, else OpenInference's span kind, else
 * inferred from the OTel GenAI operation as MLflow's GenAiTranslator does (chat → CHAT_MODEL, …),
 * else UNKNOWN. Upper-cased, so values compare without regard to case.
 */
export const GEN_AI_SPAN_TYPES: Record<string, string> = {
  chat: 'CHAT_MODEL',
  text_completion: 'LLM',
  generate_content: 'LLM',
  response: 'LLM',
  embeddings: 'EMBEDDING',
  execute_tool: 'TOOL',
  create_agent: 'AGENT',
  invoke_agent: 'AGENT',
  retrieval: 'RETRIEVER',
};

const spanTypeExpr = [
  "upper(coalesce(nullIf(SpanAttributes['mlflow.spanType'], ''), nullIf(SpanAttributes['openinference.span.kind'], ''),",
  `transform(lower(SpanAttributes['gen_ai.operation.name']), [${Object.keys(GEN_AI_SPAN_TYPES).map((k) => `'${k}'`).join(', ')}],`,
  ` [${Object.values(GEN_AI_SPAN_TYPES).map((v) => `'${v}'`).join(', ')}], 'UNKNOWN')))`,
].join(' ');

const OTEL_KINDS = new Set(['SERVER', 'CLIENT', 'INTERNAL', 'PRODUCER', 'CONSUMER']);

/** `span.*`: true when any span of the trace matches. */
export const SPAN_FIELDS: Record<string, Target> = {
  name: { kind: 'string', expr: 'SpanName' },
  status: { kind: 'status', expr: 'StatusCode' },
  duration_ms: { kind: 'number', expr: 'Duration / 1e6' },
  type: {
    kind: 'caseless',
    expr: spanTypeExpr,
    fold: (v) => v.toUpperCase(),
    // An OTel kind is not a type (untyped spans are UNKNOWN): say so rather than match nothing.
    refuse: (v) => (OTEL_KINDS.has(v.replace(/^SPAN_KIND_/, '')) ? `span.kind = '${v.replace(/^SPAN_KIND_/, '')}' (span.type is MLflow's type: LLM, CHAT_MODEL, TOOL, RETRIEVER, EMBEDDING, AGENT, …; ${v} is an OTel span kind)` : undefined),
  },
  // OTel's kind as stored (Server, Client, …); 'CLIENT' and OTLP's 'SPAN_KIND_CLIENT' mean the same.
  kind: { kind: 'caseless', expr: 'lower(SpanKind)', fold: (v) => v.toLowerCase().replace(/^span_kind_/, '') },
};

/** Namespaces and what they mean; each spelling of one is the same namespace. */
export const NAMESPACES = {
  attributes: ['attributes', 'attribute'],
  trace: ['trace', 'traces'],
  tags: ['tags', 'tag', 'metadata', 'request_metadata'],
  resource: ['resource'],
  span: ['span', 'spans'],
} as const;

/**
 * The canonical spelling of every field (bare names, `attributes.NAME`, `tags.KEY`, `span.NAME`):
 * docs/queries.md must list each; the other namespaces' spellings (trace., tag., metadata.,
 * request_metadata., spans.) mean the same and are documented once as aliases.
 */
export function canonicalSpellings(): string[] {
  return [
    ...Object.keys(FACT_FIELDS),
    ...Object.keys(TRACE_FIELDS),
    ...Object.keys(TRACE_FIELDS).map((k) => `attributes.${k}`),
    ...Object.keys(FACT_TAGS).map((k) => `tags.${k}`),
    ...Object.keys(SPAN_FIELDS).map((k) => `span.${k}`),
  ];
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment), for "did you mean": a few
 * short strings per error, so written here rather than taken from a library.
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known name nearest to `name` when it is a likely misspelling of it (case ignored), else undefined. */
export function nearest(name: string, known: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d > 0 && d <= (k.length < 8 ? 1 : 2) && (!best || d < best.d)) best = { name: k, d };
  }
  return best?.name;
}
