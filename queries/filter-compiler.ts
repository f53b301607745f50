// Compiles a parsed filter into a ClickHouse boolean expression over one settled trace
// (a verdict_traces_live row: the trace's facts and its request). Attributes live on raw spans, so a
// condition on them becomes a sub-query over the trace's request span (or, for span.*, any of its
// spans). The structure is generated here; every value a user wrote — attribute keys included —
// becomes a query parameter, never SQL text.
//
// Fields (MLflow's search_traces names first, then Verdict's own):
//   attributes.status | trace.status | status            'OK' | 'ERROR' | 'UNSET' | 'IN_PROGRESS'
//   attributes.execution_time_ms | duration_ms ...       request duration in ms (numeric)
//   attributes.timestamp_ms | timestamp_ms ...           request start, epoch ms (numeric)
//   attributes.name | trace.name | name                  request span name
//   attributes.request_id | trace_id | request_id ...    trace id (an MLflow "tr-" prefix is ignored)
//   attributes.run_id | run_id                           attribute mlflow.sourceRun
//   tags.KEY | tag.KEY | metadata.KEY                    request span attribute KEY, else resource attribute KEY
//   attributes.KEY (any other KEY)                       request span attribute KEY
//   resource.KEY                                         resource attribute KEY
//   span.name | span.type | span.status | span.duration_ms | span.attributes.KEY
//                                                        true when ANY span of the trace matches
//   version, environment (env), session, user, service, commit     the trace's facts
//   feedback.NAME | expectations.NAME | assessments.NAME  a live assessment's value (filter-assessments.ts)
import type { CompareOp, FieldRef, FilterNode, Literal } from './filter-parser.js';
import { FilterSyntaxError, parseFilter } from './filter-parser.js';
import type { QueryParams } from './run-query.js';
import { ASSESSMENT_FIELD_HELP, ASSESSMENT_NUMBER, ASSESSMENT_TEXT, assessmentCondition, assessmentField, type AssessmentField } from './filter-assessments.js';

export interface CompiledFilter {
  /** A boolean ClickHouse expression over a settled trace (verdict_traces_live row). */
  sql: string;
  params: QueryParams;
}

export interface CompileOptions {
  /** Prefix of the generated parameter names, so that two filters can share one query (e.g. `b_`, `c_`). */
  paramPrefix?: string;
  /**
   * Extra conditions (SQL over otel_traces, parameterised by the caller) for the sub-queries that
   * attribute and `span.*` fields run over raw spans, e.g. the service and time range, so they read less.
   */
  spanScope?: string;
}

type Target =
  | { kind: 'string'; expr: string }
  | { kind: 'number'; expr: string }
  | { kind: 'status'; expr: string }
  | { kind: 'traceId' }
  | { kind: 'attribute'; maps: Array<'SpanAttributes' | 'ResourceAttributes'>; key: string }
  | AssessmentField;

interface Resolved {
  target: Target;
  /** True for span.* fields: the condition holds when any span of the trace matches. */
  anySpan: boolean;
}

const STRING_COLUMNS: Record<string, string> = {
  version: 'AppVersion',
  environment: 'Environment',
  env: 'Environment',
  session: 'SessionId',
  session_id: 'SessionId',
  user: 'UserId',
  user_id: 'UserId',
  service: 'ServiceName',
  commit: 'GitCommit',
  name: 'RequestName',
};

// Trace-level fields MLflow spells with or without `attributes.` / `trace.`.
const TRACE_FIELDS: Record<string, Target> = {
  status: { kind: 'status', expr: 'RequestStatus' },
  execution_time_ms: { kind: 'number', expr: 'RequestDuration / 1e6' },
  duration_ms: { kind: 'number', expr: 'RequestDuration / 1e6' },
  timestamp_ms: { kind: 'number', expr: 'toUnixTimestamp64Milli(Start)' },
  name: { kind: 'string', expr: 'RequestName' },
  request_id: { kind: 'traceId' },
  trace_id: { kind: 'traceId' },
  run_id: { kind: 'attribute', maps: ['SpanAttributes', 'ResourceAttributes'], key: 'mlflow.sourceRun' },
};

// MLflow's reserved tag/metadata keys that Verdict already derives into columns (with their OTel,
// Langfuse... aliases), so `metadata.`mlflow.trace.session` = 's1'` also finds sessions sent as session.id.
const MLFLOW_KEYS: Record<string, Target> = {
  'mlflow.trace.session': { kind: 'string', expr: 'SessionId' },
  'mlflow.trace.user': { kind: 'string', expr: 'UserId' },
  'mlflow.traceName': { kind: 'string', expr: 'RequestName' },
  'mlflow.source.git.commit': { kind: 'string', expr: 'GitCommit' },
};

const SPAN_FIELDS: Record<string, Target> = {
  name: { kind: 'string', expr: 'SpanName' },
  status: { kind: 'status', expr: 'StatusCode' },
  duration_ms: { kind: 'number', expr: 'Duration / 1e6' },
  // MLflow and OpenInference record a span's type as an attribute; OTel's own notion is the kind.
  type: {
    kind: 'string',
    expr: "coalesce(nullIf(SpanAttributes['mlflow.spanType'], ''), nullIf(SpanAttributes['openinference.span.kind'], ''), SpanKind)",
  },
  kind: { kind: 'string', expr: 'SpanKind' },
};

const FIELD_HELP =
  "version, environment, session, user, service, commit, name, status, duration_ms, timestamp_ms, trace_id, " +
  "tags.KEY, metadata.KEY, attributes.KEY, resource.KEY, span.name, span.type, span.status, span.duration_ms, span.attributes.KEY, " +
  ASSESSMENT_FIELD_HELP;

function unknownField(field: FieldRef): never {
  throw new FilterSyntaxError(field.position, `a known field (${FIELD_HELP})`, JSON.stringify(field.text), `filter error at position ${field.position}: unknown field ${JSON.stringify(field.text)}; expected ${FIELD_HELP}`);
}

function needKey(field: FieldRef, prefix: string): string {
  const key = field.segments.slice(1).join('.');
  if (key === '') {
    throw new FilterSyntaxError(field.position + field.text.length, `a key after ${prefix}.`, 'nothing');
  }
  return key;
}

function resolve(field: FieldRef): Resolved {
  const [head, ...rest] = field.segments;
  const ns = head.toLowerCase();
  const single = rest.length === 0;
  if (single) {
    if (STRING_COLUMNS[ns] && ns !== 'name') return { target: { kind: 'string', expr: STRING_COLUMNS[ns] }, anySpan: false };
    if (TRACE_FIELDS[ns]) return { target: TRACE_FIELDS[ns], anySpan: false };
    return unknownField(field);
  }
  if (ns === 'attributes' || ns === 'attribute' || ns === 'trace') {
    const key = rest.join('.');
    if (rest.length === 1 && TRACE_FIELDS[key.toLowerCase()]) return { target: TRACE_FIELDS[key.toLowerCase()], anySpan: false };
    if (ns === 'trace') return unknownField(field);
    return { target: { kind: 'attribute', maps: ['SpanAttributes'], key }, anySpan: false };
  }
  if (ns === 'tags' || ns === 'tag' || ns === 'metadata') {
    const key = needKey(field, head);
    if (MLFLOW_KEYS[key]) return { target: MLFLOW_KEYS[key], anySpan: false };
    return { target: { kind: 'attribute', maps: ['SpanAttributes', 'ResourceAttributes'], key }, anySpan: false };
  }
  // Assessments (filter-assessments.ts).
  const assessment = assessmentField(ns, rest.join('.'));
  if (assessment) return { target: assessment, anySpan: false };
  if (ns === 'resource') {
    return { target: { kind: 'attribute', maps: ['ResourceAttributes'], key: needKey(field, head) }, anySpan: false };
  }
  if (ns === 'span' || ns === 'spans') {
    const sub = rest[0].toLowerCase();
    if ((sub === 'attributes' || sub === 'attribute') && rest.length > 1) {
      return { target: { kind: 'attribute', maps: ['SpanAttributes'], key: rest.slice(1).join('.') }, anySpan: true };
    }
    if (rest.length === 1 && SPAN_FIELDS[sub]) return { target: SPAN_FIELDS[sub], anySpan: true };
    return unknownField(field);
  }
  return unknownField(field);
}

/** An attribute's text on an otel_traces row: the span's own, or (tags.KEY) the span's, else the resource's. */
function attributeLookup(maps: ReadonlyArray<'SpanAttributes' | 'ResourceAttributes'>, key: string): string {
  return maps.length === 1 ? `${maps[0]}[${key}]` : `coalesce(nullIf(SpanAttributes[${key}], ''), ResourceAttributes[${key}])`;
}

/** What a filter field reads, so that the values (or attribute keys) that exist can be listed beside it. */
export interface FieldValues {
  /** SQL over an otel_traces row giving the field's text; an attribute's key is the parameter `{hint_key:String}`. */
  value: string;
  /** For attribute fields: the key and the maps it is looked up in. */
  attribute?: { key: string; maps: ReadonlyArray<'SpanAttributes' | 'ResourceAttributes'> };
  /** True for span.* fields (any span of the trace), false for the request span's own. */
  anySpan: boolean;
}

/** The text a field reads, or undefined for fields without a list of values (numbers, statuses, trace ids). */
export function fieldValues(field: FieldRef): FieldValues | undefined {
  const { target, anySpan } = resolve(field);
  if (target.kind === 'string') return { value: target.expr, anySpan };
  if (target.kind === 'attribute') return { value: attributeLookup(target.maps, '{hint_key:String}'), attribute: { key: target.key, maps: target.maps }, anySpan };
  return undefined;
}

const STATUS_CODES: Record<string, string[]> = {
  // MLflow's OK means "did not fail": OTel's Ok and Unset both qualify.
  OK: ['Ok', 'Unset'],
  ERROR: ['Error'],
  UNSET: ['Unset'],
  // Spans reach Verdict when they end, so nothing is ever in progress.
  IN_PROGRESS: [],
};

class Compiler {
  readonly params: QueryParams = {};
  private n = 0;
  constructor(private readonly options: CompileOptions) {}

  param(value: unknown, type: string): string {
    const name = `${this.options.paramPrefix ?? ''}f${this.n++}`;
    this.params[name] = value;
    return `{${name}:${type}}`;
  }

  node(node: FilterNode): string {
    switch (node.kind) {
      case 'and':
        return `(${node.items.map((n) => this.node(n)).join(' AND ')})`;
      case 'or':
        return `(${node.items.map((n) => this.node(n)).join(' OR ')})`;
      case 'not':
        return `(NOT ${this.node(node.operand)})`;
      default:
        return this.leaf(node);
    }
  }

  private leaf(node: Exclude<FilterNode, { kind: 'and' | 'or' | 'not' }>): string {
    const { target, anySpan } = resolve(node.field);
    const condition = this.condition(node, target);
    const scope = this.options.spanScope ? `${this.options.spanScope} AND ` : '';
    // span.*: any span of the trace; an attribute: the trace's request span in this service.
    if (anySpan) return `(TraceId IN (SELECT TraceId FROM otel_traces WHERE ${scope}${condition}))`;
    if (target.kind === 'assessment') return assessmentCondition(target, this.param(target.name, 'String'), this.param(target.kinds, 'Array(String)'), condition);
    if (target.kind === 'attribute') return `((TraceId, ServiceName) IN (SELECT TraceId, ServiceName FROM otel_traces WHERE IsRequest = 1 AND ${scope}${condition}))`;
    return condition;
  }

  private condition(node: Exclude<FilterNode, { kind: 'and' | 'or' | 'not' }>, target: Target): string {
    switch (target.kind) {
      case 'status':
        return this.status(node, target.expr);
      case 'number':
        return this.numeric(node, target.expr);
      case 'traceId':
        return this.strings(node, 'TraceId', (v) => v.replace(/^tr-/i, '').toLowerCase());
      case 'string':
        return this.strings(node, target.expr);
      case 'assessment': {
        if (node.kind === 'compare' && node.value.type === 'number') return this.numeric(node, ASSESSMENT_NUMBER);
        if (node.kind === 'in' && node.values.every((v) => v.type === 'number')) return this.numeric(node, ASSESSMENT_NUMBER);
        return this.strings(node, ASSESSMENT_TEXT, undefined, true);
      }
      case 'attribute': {
        const lookup = attributeLookup(target.maps, this.param(target.key, 'String'));
        // An attribute compared with a number is compared as a number (attributes are stored as text).
        if (node.kind === 'compare' && node.value.type === 'number') return this.numeric(node, `toFloat64OrNull(${lookup})`);
        if (node.kind === 'in' && node.values.every((v) => v.type === 'number')) return this.numeric(node, `toFloat64OrNull(${lookup})`);
        return this.strings(node, lookup, undefined, true);
      }
    }
  }

  private strings(node: Exclude<FilterNode, { kind: 'and' | 'or' | 'not' }>, expr: string, normalize = (v: string) => v, numbersAsText = false): string {
    const text = (lit: Literal): string => {
      if (lit.type === 'string' || numbersAsText) return normalize(String(lit.value));
      throw new FilterSyntaxError(lit.position, "a 'quoted string'", String(lit.value));
    };
    if (node.kind === 'like') {
      return `(${expr} ${node.negated ? 'NOT ' : ''}${node.caseInsensitive ? 'ILIKE' : 'LIKE'} ${this.param(text(node.pattern), 'String')})`;
    }
    if (node.kind === 'in') {
      return `(${expr} ${node.negated ? 'NOT IN' : 'IN'} ${this.param(node.values.map(text), 'Array(String)')})`;
    }
    return `(${expr} ${node.op} ${this.param(text(node.value), 'String')})`;
  }

  private numeric(node: Exclude<FilterNode, { kind: 'and' | 'or' | 'not' }>, expr: string): string {
    const number = (lit: Literal): number => {
      if (lit.type === 'number') return lit.value as number;
      throw new FilterSyntaxError(lit.position, 'a number', `the string '${lit.value}'`);
    };
    if (node.kind === 'like') throw new FilterSyntaxError(node.field.position, 'a text field for LIKE / ILIKE', JSON.stringify(node.field.text));
    if (node.kind === 'in') return `(${expr} ${node.negated ? 'NOT IN' : 'IN'} ${this.param(node.values.map(number), 'Array(Float64)')})`;
    return `(${expr} ${node.op} ${this.param(number(node.value), 'Float64')})`;
  }

  private status(node: Exclude<FilterNode, { kind: 'and' | 'or' | 'not' }>, expr: string): string {
    const codes = (lit: Literal): string[] => {
      const key = String(lit.value).toUpperCase();
      const mapped = lit.type === 'string' ? STATUS_CODES[key] : undefined;
      if (!mapped) throw new FilterSyntaxError(lit.position, "a status: 'OK', 'ERROR', 'UNSET' or 'IN_PROGRESS'", JSON.stringify(String(lit.value)));
      return mapped;
    };
    if (node.kind === 'like') throw new FilterSyntaxError(node.field.position, "= / != / IN with a status ('OK', 'ERROR', 'UNSET')", 'LIKE');
    if (node.kind === 'compare' && node.op !== '=' && node.op !== '!=') {
      throw new FilterSyntaxError(node.field.position, "= or != with a status (statuses have no order)", node.op);
    }
    const list = node.kind === 'in' ? node.values.flatMap(codes) : codes(node.value);
    const negated = node.kind === 'in' ? node.negated : node.op === '!=';
    return `(${expr} ${negated ? 'NOT IN' : 'IN'} ${this.param([...new Set(list)], 'Array(String)')})`;
  }
}

export function compileFilterTree(tree: FilterNode, options: CompileOptions = {}): CompiledFilter {
  const compiler = new Compiler(options);
  const sql = compiler.node(tree);
  return { sql, params: compiler.params };
}

/** Parses and compiles; throws FilterSyntaxError (with position and expectation) for a bad filter. */
export function compileFilter(filter: string, options: CompileOptions = {}): CompiledFilter {
  return compileFilterTree(parseFilter(filter), options);
}
