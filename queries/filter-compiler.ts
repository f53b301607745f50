// Compiles a parsed filter into a ClickHouse boolean expression over one settled trace
// (a verdict_traces_live row: the trace's facts and its request). Attributes live on raw spans, so a
// condition on them becomes a sub-query over the trace's request span (or, for span.*, any of its
// spans). The structure is generated here; every value a user wrote — attribute keys included —
// becomes a query parameter, never SQL text.
//
// Which fields exist and what each reads is declared in filter-fields.ts (and listed in
// docs/queries.md); a misspelling of a known field is an error naming it, never a silent empty match.
// feedback. / expectations. / assessments. fields are filter-assessments.ts's.
import type { CompareOp, FieldRef, FilterNode, Literal } from './filter-parser.js';
import { FilterSyntaxError, parseFilter } from './filter-parser.js';
import { FACT_FIELDS, FACT_TAGS, NAMESPACES, nearest, SPAN_FIELDS, TRACE_FIELDS, type Target } from './filter-fields.js';
import type { QueryParams } from './run-query.js';
import { ASSESSMENT_FIELD_HELP, ASSESSMENT_NUMBER, ASSESSMENT_TEXT, assessmentCondition, assessmentField } from './filter-assessments.js';

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
  /**
   * Versions the trace is known to have (a compare cohort's version): with those the filter itself
   * requires, they narrow the raw-span sub-queries to the time those versions served.
   */
  versions?: string[];
}

interface Resolved {
  target: Target;
  /** True for span.* fields: the condition holds when any span of the trace matches. */
  anySpan: boolean;
}

const FIELD_HELP =
  "version, environment, session, user, service, commit, name, status, execution_time_ms, timestamp_ms, trace_id, " +
  "tags.KEY (also metadata. / request_metadata.), attributes.KEY, resource.KEY, span.name, span.type, span.kind, span.status, span.duration_ms or span.attributes.KEY, " +
  ASSESSMENT_FIELD_HELP;

function unknownField(field: FieldRef, suggestion?: string, why?: string): never {
  const hint = suggestion ? `; did you mean ${suggestion}?${why ? ` ${why}` : ''}` : `; expected ${FIELD_HELP}`;
  throw new FilterSyntaxError(field.position, `a known field (${FIELD_HELP})`, JSON.stringify(field.text), `filter error at position ${field.position}: unknown field ${JSON.stringify(field.text)}${hint}`);
}

function needKey(field: FieldRef, prefix: string): string {
  const key = field.segments.slice(1).join('.');
  if (key === '') {
    throw new FilterSyntaxError(field.position + field.text.length, `a key after ${prefix}.`, 'nothing');
  }
  return key;
}

const inNamespace = (names: readonly string[], ns: string) => names.includes(ns);
/** A known name matched without regard to case (MLflow's reserved keys are case-sensitive, but no two differ only in case). */
const lookup = (table: Record<string, Target>, key: string): Target | undefined =>
  table[key] ?? Object.entries(table).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];

function resolve(field: FieldRef): Resolved {
  const [head, ...rest] = field.segments;
  const ns = head.toLowerCase();
  const key = rest.join('.');
  if (rest.length === 0) {
    const target = lookup(FACT_FIELDS, ns) ?? lookup(TRACE_FIELDS, ns);
    if (target) return { target, anySpan: false };
    return unknownField(field, nearest(ns, [...Object.keys(FACT_FIELDS), ...Object.keys(TRACE_FIELDS)]));
  }
  if (inNamespace(NAMESPACES.attributes, ns) || inNamespace(NAMESPACES.trace, ns)) {
    const target = lookup(TRACE_FIELDS, key);
    if (target) return { target, anySpan: false };
    // A near miss of one of MLflow's trace attributes would silently read a span attribute nobody
    // sets: refuse it, and say how to read such an attribute on purpose.
    const near = nearest(key, Object.keys(TRACE_FIELDS));
    if (near || inNamespace(NAMESPACES.trace, ns)) return unknownField(field, near && `${head}.${near}`, near && `(a request span attribute of that name: tags.\`${key}\`)`);
    return { target: { kind: 'attribute', maps: ['SpanAttributes'], key }, anySpan: false };
  }
  if (inNamespace(NAMESPACES.tags, ns)) {
    const tag = needKey(field, head);
    const target = lookup(FACT_TAGS, tag);
    if (target) return { target, anySpan: false };
    // MLflow's own keys are a closed set: a near miss of one is a typo, not a custom tag.
    const near = tag.toLowerCase().startsWith('mlflow.') ? nearest(tag, Object.keys(FACT_TAGS).filter((k) => k.startsWith('mlflow.'))) : undefined;
    if (near) return unknownField(field, `${head}.\`${near}\``);
    return { target: { kind: 'attribute', maps: ['SpanAttributes', 'ResourceAttributes'], key: tag }, anySpan: false };
  }
  // Assessments (filter-assessments.ts).
  const assessment = assessmentField(ns, rest.join('.'));
  if (assessment) return { target: assessment, anySpan: false };
  if (inNamespace(NAMESPACES.resource, ns)) {
    return { target: { kind: 'attribute', maps: ['ResourceAttributes'], key: needKey(field, head) }, anySpan: false };
  }
  if (inNamespace(NAMESPACES.span, ns)) {
    const sub = rest[0].toLowerCase();
    if ((sub === 'attributes' || sub === 'attribute') && rest.length > 1) {
      return { target: { kind: 'attribute', maps: ['SpanAttributes'], key: rest.slice(1).join('.') }, anySpan: true };
    }
    const target = rest.length === 1 ? lookup(SPAN_FIELDS, sub) : undefined;
    if (target) return { target, anySpan: true };
    return unknownField(field, rest.length === 1 ? nearest(sub, Object.keys(SPAN_FIELDS))?.replace(/^/, `${head}.`) : undefined);
  }
  const namespaces = Object.values(NAMESPACES).flat();
  const near = nearest(ns, namespaces);
  return unknownField(field, near && `${near}.${key}`);
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
  if (target.kind === 'string' || target.kind === 'caseless') return { value: target.expr, anySpan };
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

/**
 * The raw-span conditions of several filters compiled together (compileFilters), read by one scan
 * per kind instead of one sub-query per condition: each condition is a numbered leaf, the scan
 * gives each matching (trace, service) — or trace, for span.* — the numbers of the leaves it
 * matches, and a leaf becomes a probe of that one set. The scan's text is the same at every leaf,
 * so the engine builds its set once per statement.
 */
interface SharedScans {
  /** Request-span conditions (attributes.*, tags.*, resource.*), leaf k at index k - 1. */
  request: string[];
  /** Any-span conditions (span.*). */
  any: string[];
}

const leafToken = (kind: keyof SharedScans, k: number) => `\u0001${kind}:${k}\u0001`;

class Compiler {
  readonly params: QueryParams = {};
  private n = 0;
  /** Conditions for the raw-span sub-queries (the caller's scope, perhaps narrowed to the versions' hours). */
  spanScope: string | undefined;
  constructor(
    private readonly options: CompileOptions,
    private readonly shared?: SharedScans,
  ) {
    this.spanScope = options.spanScope;
  }

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
    const scope = this.spanScope ? `${this.spanScope} AND ` : '';
    // span.*: any span of the trace; an attribute: the trace's request span in this service. Traces
    // are matched by their hash (TraceHash = cityHash64(TraceId)): a set of numbers builds and probes
    // faster than one of 32-character ids. identity() keeps the engine from trying a set of 10^5
    // hashes against verdict_traces' primary key (TraceHash is in it), which cost more than the probe.
    if (anySpan && this.shared) return leafToken('any', this.shared.any.push(condition));
    if (anySpan) return `(identity(TraceHash) IN (SELECT cityHash64(TraceId) FROM otel_traces WHERE ${scope}${condition}))`;
    if (target.kind === 'assessment') return assessmentCondition(target, this.param(target.name, 'String'), this.param(target.kinds, 'Array(String)'), condition);
    if (target.kind === 'attribute' && this.shared) return leafToken('request', this.shared.request.push(condition));
    if (target.kind === 'attribute') return `((identity(TraceHash), ServiceName) IN (SELECT cityHash64(TraceId), ServiceName FROM otel_traces WHERE IsRequest = 1 AND ${scope}${condition}))`;
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
      case 'caseless':
        return this.strings(node, target.expr, (v) => {
          const folded = target.fold(v);
          const instead = target.refuse?.(folded);
          if (instead) throw new FilterSyntaxError(node.field.position, instead, `'${v}'`, `filter error at position ${node.field.position}: ${node.field.text} = '${v}' matches no span; did you mean ${instead}?`);
          return folded;
        });
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
    // As in MLflow, a trace that lacks the tag or fact matches no comparison on it, negative ones
    // included: `tags.team != 'x'` is about traces that have a team (`NOT tags.team = 'x'` is not).
    const present = (condition: string) => `(${expr} != '' AND ${condition})`;
    if (node.kind === 'like') {
      const condition = `${expr} ${node.negated ? 'NOT ' : ''}${node.caseInsensitive ? 'ILIKE' : 'LIKE'} ${this.param(text(node.pattern), 'String')}`;
      return node.negated ? present(condition) : `(${condition})`;
    }
    if (node.kind === 'in') {
      const condition = `${expr} ${node.negated ? 'NOT IN' : 'IN'} ${this.param(node.values.map(text), 'Array(String)')}`;
      return node.negated ? present(condition) : `(${condition})`;
    }
    const condition = `${expr} ${node.op} ${this.param(text(node.value), 'String')}`;
    return node.op === '!=' ? present(condition) : `(${condition})`;
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

/**
 * The raw-span scope narrowed to the hours in which the trace's versions served (from the hourly
 * rollup, an hour of margin each side for spans around their trace's start): a canary's filter
 * then reads days of spans, not the whole range.
 */
function servedScope(compiler: Compiler, spanScope: string, versions: string[]): string {
  const list = compiler.param(versions, 'Array(String)');
  const served = (fn: string) => `(SELECT ${fn}(${fn === 'min' ? 'FirstSeen' : 'LastSeen'}) FROM verdict_rollup_1h WHERE AppVersion IN ${list} AND Requests > 0)`;
  return `${spanScope ? `${spanScope} AND ` : ''}Timestamp >= ${served('min')} - INTERVAL 1 HOUR AND Timestamp <= ${served('max')} + INTERVAL 1 HOUR`;
}

export function compileFilterTree(tree: FilterNode, options: CompileOptions = {}): CompiledFilter {
  const versions = options.versions ?? requiredVersions(tree);
  const compiler = new Compiler(options);
  if (versions && options.spanScope !== undefined && needsSpans(tree)) compiler.spanScope = servedScope(compiler, options.spanScope, versions);
  const sql = compiler.node(tree);
  return { sql, params: compiler.params };
}

/** One filter of compileFilters: its text, parameter prefix and the versions its traces have. */
export interface FilterToCompile {
  filter: string;
  paramPrefix: string;
  versions?: string[];
}

/**
 * Several filters that one statement evaluates together (compare's two sides), under one span
 * scope: their raw-span conditions are read by one scan per kind (request span, any span) for all
 * of them, not one sub-query each (SharedScans). The same traces match as with compileFilter.
 * With at most one raw-span condition in all, each filter is compiled on its own.
 */
export function compileFilters(filters: FilterToCompile[], spanScope: string): CompiledFilter[] {
  const trees = filters.map((f) => parseFilter(f.filter));
  const alone = () => trees.map((tree, i) => compileFilterTree(tree, { paramPrefix: filters[i].paramPrefix, spanScope, versions: filters[i].versions }));
  let spanLeaves: number;
  try {
    spanLeaves = trees.reduce((n, tree) => n + countSpanLeaves(tree), 0);
  } catch {
    // A bad field: compiled alone, each filter reports its first error as compileFilter would.
    return alone();
  }
  if (spanLeaves <= 1) return alone();
  const shared: SharedScans = { request: [], any: [] };
  const compilers = filters.map((f) => new Compiler({ paramPrefix: f.paramPrefix, spanScope }, shared));
  const sqls = trees.map((tree, i) => compilers[i].node(tree));
  // The scan reads the hours of every filter's versions, when each filter that reads spans has some.
  const versions = trees.map((tree, i) => (needsSpans(tree) ? filters[i].versions ?? requiredVersions(tree) ?? null : []));
  const scope = versions.every((v) => v !== null) ? servedScope(compilers[0], spanScope, [...new Set(versions.flat() as string[])]) : spanScope;
  const where = scope ? `${scope} AND ` : '';
  const numbered = (conditions: string[]) => `arrayJoin(arrayFilter(k -> k > 0, [${conditions.map((c, i) => `if(${c}, ${i + 1}, 0)`).join(', ')}]))`;
  const any = (conditions: string[]) => `(${conditions.join(' OR ')})`;
  const scans: Record<keyof SharedScans, (k: number) => string> = {
    request: (k) => `((identity(TraceHash), ServiceName, ${k}) IN (SELECT cityHash64(TraceId), ServiceName, ${numbered(shared.request)} FROM otel_traces WHERE IsRequest = 1 AND ${where}${any(shared.request)}))`,
    any: (k) => `((identity(TraceHash), ${k}) IN (SELECT cityHash64(TraceId), ${numbered(shared.any)} FROM otel_traces WHERE ${where}${any(shared.any)}))`,
  };
  const expand = (sql: string) => sql.replace(/\u0001(request|any):(\d+)\u0001/g, (_, kind: keyof SharedScans, k: string) => scans[kind](Number(k)));
  return sqls.map((sql, i) => ({ sql: expand(sql), params: compilers[i].params }));
}

/** How many conditions of the filter read raw spans. */
function countSpanLeaves(node: FilterNode): number {
  if (node.kind === 'and' || node.kind === 'or') return node.items.reduce((n, item) => n + countSpanLeaves(item), 0);
  if (node.kind === 'not') return countSpanLeaves(node.operand);
  return needsSpans(node) ? 1 : 0;
}

/** The versions a filter requires of every trace it matches (`version = 'x'` or `IN` at its top level), if any. */
function requiredVersions(tree: FilterNode): string[] | undefined {
  const leaves = tree.kind === 'and' ? tree.items : [tree];
  for (const leaf of leaves) {
    if (leaf.kind !== 'compare' && leaf.kind !== 'in') continue;
    let target: Target;
    try {
      target = resolve(leaf.field).target;
    } catch {
      continue;
    }
    if (target.kind !== 'string' || target.expr !== 'AppVersion') continue;
    if (leaf.kind === 'compare' && leaf.op === '=' && leaf.value.type === 'string') return [String(leaf.value.value)];
    if (leaf.kind === 'in' && !leaf.negated && leaf.values.every((v) => v.type === 'string')) return leaf.values.map((v) => String(v.value));
  }
  return undefined;
}

/** True when some condition of the filter reads raw spans (attributes or span.*). */
function needsSpans(node: FilterNode): boolean {
  if (node.kind === 'and' || node.kind === 'or') return node.items.some(needsSpans);
  if (node.kind === 'not') return needsSpans(node.operand);
  const { target, anySpan } = resolve(node.field);
  return anySpan || target.kind === 'attribute';
}

/** Parses and compiles; throws FilterSyntaxError (with position and expectation) for a bad filter. */
export function compileFilter(filter: string, options: CompileOptions = {}): CompiledFilter {
  return compileFilterTree(parseFilter(filter), options);
}
