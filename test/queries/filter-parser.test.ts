// The filter language: MLflow search_traces strings parse, every operator compiles, syntax errors
// name their position and what was expected, and whatever a user types stays a parameter value.
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../queries/filter-compiler.js';
import { FilterSyntaxError, parseFilter } from '../../queries/filter-parser.js';

function syntaxError(filter: string): FilterSyntaxError {
  try {
    compileFilter(filter);
  } catch (err) {
    expect(err).toBeInstanceOf(FilterSyntaxError);
    return err as FilterSyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(filter)} to be rejected`);
}

describe('MLflow search_traces syntax', () => {
  it.each([
    "attributes.status = 'OK'",
    "attributes.status = 'ERROR'",
    'attributes.timestamp_ms > 1749006880539',
    'attributes.execution_time_ms > 5000',
    "tags.environment = 'production'",
    "tags.`mlflow.traceName` = 'my_function'",
    "metadata.`mlflow.user` = 'alice@company.com'",
    "attributes.status = 'OK' AND tags.environment = 'production'",
    "trace.status = 'OK' AND tag.environment = 'production'",
    "span.attributes.gen_ai.request.model = 'gpt-4o'",
    "span.name = 'chat'",
    "span.type = 'LLM'",
    'execution_time_ms >= 10.5',
    "status != 'ERROR'",
    "attributes.request_id = 'tr-0123456789abcdef0123456789abcdef'",
    "metadata.`mlflow.trace.session` = 'session_abc'",
  ])('accepts %s', (filter) => {
    expect(() => compileFilter(filter)).not.toThrow();
  });

  it('parses backticked keys, dotted keys and both quote styles into the same tree', () => {
    const a = parseFilter('span.attributes.`gen_ai.request.model` = "gpt-4o"');
    const b = parseFilter("span.attributes.gen_ai.request.model = 'gpt-4o'");
    expect(a).toMatchObject({ field: { segments: ['span', 'attributes', 'gen_ai.request.model'] }, value: { value: 'gpt-4o' } });
    expect(b).toMatchObject({ field: { segments: ['span', 'attributes', 'gen_ai', 'request', 'model'] }, value: { value: 'gpt-4o' } });
    // Both name the same attribute once compiled.
    expect(compileFilter('span.attributes.`gen_ai.request.model` = "gpt-4o"')).toEqual(compileFilter("span.attributes.gen_ai.request.model = 'gpt-4o'"));
    expect(parseFilter("tags.`mlflow.traceName` = 'f'")).toMatchObject({
      kind: 'compare',
      field: { segments: ['tags', 'mlflow.traceName'], position: 0 },
      op: '=',
      value: { type: 'string', value: 'f', position: 26 },
    });
  });
});

describe('beyond MLflow', () => {
  it('gives AND precedence over OR, and parentheses override it', () => {
    expect(parseFilter("version = 'a' OR version = 'b' AND env = 'c'")).toMatchObject({
      kind: 'or',
      items: [{ kind: 'compare' }, { kind: 'and', items: [{ kind: 'compare' }, { kind: 'compare' }] }],
    });
    expect(parseFilter("(version = 'a' OR version = 'b') AND env = 'c'")).toMatchObject({
      kind: 'and',
      items: [{ kind: 'or' }, { kind: 'compare' }],
    });
  });

  it('compiles every operator to structure with the values as parameters', () => {
    // Facts are columns of the settled trace; attributes are read from its request span.
    const onRequest = '((identity(TraceHash), ServiceName) IN (SELECT cityHash64(TraceId), ServiceName FROM otel_traces WHERE IsRequest = 1 AND ';
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ["version = '1.2.0'", '(AppVersion = {f0:String})', { f0: '1.2.0' }],
      // A trace without a version matches no comparison on it, != included (as MLflow's tags).
      ["version != '1.2.0'", "(AppVersion != '' AND AppVersion != {f0:String})", { f0: '1.2.0' }],
      ["version <> '1.2.0'", "(AppVersion != '' AND AppVersion != {f0:String})", { f0: '1.2.0' }],
      ['duration_ms < 100', '(RequestDuration / 1e6 < {f0:Float64})', { f0: 100 }],
      ['duration_ms <= 100', '(RequestDuration / 1e6 <= {f0:Float64})', { f0: 100 }],
      ['duration_ms > 100', '(RequestDuration / 1e6 > {f0:Float64})', { f0: 100 }],
      ['duration_ms >= -1.5e2', '(RequestDuration / 1e6 >= {f0:Float64})', { f0: -150 }],
      ["environment IN ('production', 'staging')", '(Environment IN {f0:Array(String)})', { f0: ['production', 'staging'] }],
      ["environment NOT IN ('dev')", "(Environment != '' AND Environment NOT IN {f0:Array(String)})", { f0: ['dev'] }],
      ["session LIKE 'chat-%'", '(SessionId LIKE {f0:String})', { f0: 'chat-%' }],
      ["user ILIKE '%@example.com'", '(UserId ILIKE {f0:String})', { f0: '%@example.com' }],
      ["service NOT LIKE 'test-%'", "(ServiceName != '' AND ServiceName NOT LIKE {f0:String})", { f0: 'test-%' }],
      ["commit NOT ILIKE 'abc%'", "(GitCommit != '' AND GitCommit NOT ILIKE {f0:String})", { f0: 'abc%' }],
      ["NOT version = '1'", '(NOT (AppVersion = {f0:String}))', { f0: '1' }],
      ["status = 'OK'", '(RequestStatus IN {f0:Array(String)})', { f0: ['Ok', 'Unset'] }],
      ["status != 'ERROR'", '(RequestStatus NOT IN {f0:Array(String)})', { f0: ['Error'] }],
      ["status IN ('ERROR', 'UNSET')", '(RequestStatus IN {f0:Array(String)})', { f0: ['Error', 'Unset'] }],
      ["trace_id = 'tr-ABCDEF'", '(TraceId = {f0:String})', { f0: 'abcdef' }],
      ["name = 'POST /chat'", '(RequestName = {f0:String})', { f0: 'POST /chat' }],
      // A well-known tag reads the trace's fact, whichever span (or convention) set it.
      ["tags.environment = 'production'", '(Environment = {f0:String})', { f0: 'production' }],
      [
        "tags.team = 'search'",
        `${onRequest}(coalesce(nullIf(SpanAttributes[{f0:String}], ''), ResourceAttributes[{f0:String}]) = {f1:String})))`,
        { f0: 'team', f1: 'search' },
      ],
      ["attributes.http.route = '/chat'", `${onRequest}(SpanAttributes[{f0:String}] = {f1:String})))`, { f0: 'http.route', f1: '/chat' }],
      ['attributes.http.status_code >= 500', `${onRequest}(toFloat64OrNull(SpanAttributes[{f0:String}]) >= {f1:Float64})))`, { f0: 'http.status_code', f1: 500 }],
      ["resource.`cloud.region` = 'eu'", `${onRequest}(ResourceAttributes[{f0:String}] = {f1:String})))`, { f0: 'cloud.region', f1: 'eu' }],
      ["metadata.`mlflow.trace.user` = 'alice'", '(UserId = {f0:String})', { f0: 'alice' }],
      [
        "span.attributes.gen_ai.request.model = 'gpt-4o'",
        '(identity(TraceHash) IN (SELECT cityHash64(TraceId) FROM otel_traces WHERE (SpanAttributes[{f0:String}] = {f1:String})))',
        { f0: 'gen_ai.request.model', f1: 'gpt-4o' },
      ],
    ];
    for (const [filter, sql, params] of cases) expect(compileFilter(filter), filter).toEqual({ sql, params });
  });

  it('prefixes parameter names and scopes span sub-queries when asked', () => {
    expect(compileFilter("span.name = 'x'", { paramPrefix: 'b_', spanScope: 'ServiceName = {service:String}' })).toEqual({
      sql: '(identity(TraceHash) IN (SELECT cityHash64(TraceId) FROM otel_traces WHERE ServiceName = {service:String} AND (SpanName = {b_f0:String})))',
      params: { b_f0: 'x' },
    });
  });
});

describe('errors name the position and what was expected', () => {
  it.each([
    ["version = '1.2.0' AND", 21, 'a field'],
    ["version '1.2.0'", 8, 'an operator'],
    ['version =', 9, "a value (a 'quoted string' or a number)"],
    ["version = '1.2.0", 10, "a closing '"],
    ["(version = '1'", 14, "')' or AND / OR"],
    ["version = '1')", 13, 'AND, OR or the end of the filter'],
    ["environment IN ('a' 'b')", 20, "',' or ')' to end the IN list"],
    ["environment IN 'a'", 15, "'(' to start the IN list"],
    ["version NOT = '1'", 12, 'IN, LIKE or ILIKE after NOT'],
    ['version LIKE 5', 13, "a 'quoted pattern' after LIKE"],
    ["tags.`open = 'x'", 5, 'a closing `'],
    ["version = 'a' ; DROP TABLE otel_traces", 14, 'a field, an operator, a value or a parenthesis'],
    ["colour = 'red'", 0, 'a known field'],
    ["attributes.status > 'OK'", 0, '= or != with a status'],
    ["status = 'MAYBE'", 9, "a status: 'OK', 'ERROR', 'UNSET' or 'IN_PROGRESS'"],
    ["duration_ms > '5'", 14, 'a number'],
    ['version = 5', 10, "a 'quoted string'"],
    ["tags. = 'x'", 6, 'a key after the dot'],
  ])('%s → position %i, expected %s', (filter, position, expected) => {
    const err = syntaxError(filter);
    expect(err.code).toBe('FILTER_SYNTAX');
    expect(err.position).toBe(position);
    expect(err.expected).toContain(expected);
    expect(err.message).toContain(`position ${position}`);
  });
});

describe('injection attempts stay plain values', () => {
  // Each hostile filter compiles to exactly the SQL of a harmless filter of the same shape: what the
  // user typed changes only the parameter values, which the engine never parses as SQL.
  it.each([
    ["version = '1'' OR 1=1 --'", "version = 'x'", "1' OR 1=1 --"],
    ["version = '1\\' OR 1=1 --'", "version = 'x'", "1' OR 1=1 --"],
    ["tags.`x'] OR 1=1 OR SpanAttributes['y` = 'z'", "tags.k = 'z'", "x'] OR 1=1 OR SpanAttributes['y"],
    ["tags.`}{f0:String}` = '{f0:String}'", "tags.k = 'v'", '}{f0:String}'],
    ["span.attributes.`a') OR 1=1 --` = 'b'", "span.attributes.k = 'b'", "a') OR 1=1 --"],
    ["name IN ('a', 'b''); DROP TABLE otel_traces; --')", "name IN ('a', 'b')", "b'); DROP TABLE otel_traces; --"],
    ["user LIKE '%'' OR ''1''=''1'", "user LIKE 'x'", "%' OR '1'='1"],
  ])('%s', (hostile, harmless, payload) => {
    const compiled = compileFilter(hostile);
    expect(compiled.sql).toBe(compileFilter(harmless).sql);
    expect(JSON.stringify(Object.values(compiled.params))).toContain(JSON.stringify(payload).slice(1, -1));
  });
});
