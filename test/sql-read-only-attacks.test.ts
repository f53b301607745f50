// The SQL endpoint stays read-only under attack: writes, DDL, settings that would lift readonly
// (top-level and inside subqueries), table functions and file() that reach files, URLs, hosts or
// processes (also through APPLY and query parameters), system tables that show paths (also named
// by an Identifier parameter), every function outside the engine-derived allow-list, read-only
// statement forms used for anything but reading names, multi-statements, INTO OUTFILE and
// parameter values built to break out of their quotes are all refused with 400, leave no file
// behind, leak no secret or path, and the collector ingests normally afterwards. Parameters,
// SHOW/DESCRIBE, self-joins on derived columns and displayName() answer as a ClickHouse server would.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { ALLOWED_FUNCTION_CATEGORIES, ALLOWED_OTHER_FUNCTIONS, ALLOWED_TABLE_FUNCTIONS, SYNTAX_FUNCTIONS } from '../queries/read-only-rules.js';
import { postOtlp, rows, startTestCollector } from './helpers/in-process-collector.js';
import { runCli } from './helpers/run-cli.js';
import { otlpJsonRequest } from './helpers/otlp-json.js';

let c: RunningCollector;
const scratch = mkdtempSync(join(tmpdir(), 'verdict-sql-attack-'));
const SECRET = `verdict-secret-${process.pid}-${Date.now()}`;
const secretPath = join(scratch, 'secret.csv');
writeFileSync(secretPath, `name,value\n${SECRET},1\n`);
/** Files attacks try to create: none may exist afterwards. */
const written = (name: string) => join(scratch, name);

function spans(name: string, n: number): string {
  return otlpJsonRequest({ service: 'sql-attack', name, count: n, resource: { 'session.id': `session-${name}` } });
}

async function post(name: string, n: number): Promise<void> {
  const res = await postOtlp(c, spans(name, n), { 'content-type': 'application/json' });
  expect(res.status, res.body.toString()).toBe(200);
}

async function sqlPost(query: unknown, params?: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${c.apiUrl}/api/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, params }) });
  return { status: res.status, text: await res.text() };
}

async function sqlGet(search: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${c.apiUrl}/api/sql?${search}`);
  return { status: res.status, text: await res.text() };
}

let dataDir: string;
beforeAll(async () => {
  c = await startTestCollector();
  dataDir = resolve(c.config.dataDir);
  await post('before-attacks', 10);
  await c.flush();
});
afterAll(async () => {
  await c?.close();
});

const f = (p: string) => `'${p}'`;

/** Each attack, and a word the refusal must contain (the engine's or Verdict's reason). */
const ATTACKS: Array<[string, RegExp]> = [
  // Writes and DDL.
  ["INSERT INTO otel_traces (SpanName) VALUES ('x')", /readonly/i],
  ['INSERT INTO otel_traces SELECT * FROM otel_traces', /readonly/i],
  ['DROP TABLE otel_traces', /readonly/i],
  ['TRUNCATE TABLE otel_traces', /readonly/i],
  ['ALTER TABLE otel_traces DELETE WHERE 1', /readonly/i],
  ["ALTER TABLE otel_traces UPDATE SpanName = 'x' WHERE 1", /readonly/i],
  ['DELETE FROM otel_traces WHERE 1', /readonly/i],
  ['CREATE TABLE evil (x Int32) ENGINE = Memory', /readonly/i],
  ['CREATE TEMPORARY TABLE evil (x Int32)', /readonly/i],
  ['CREATE VIEW evil AS SELECT 1', /readonly/i],
  ['CREATE FUNCTION evil AS x -> x', /readonly/i],
  ['RENAME TABLE otel_traces TO evil', /readonly/i],
  ['DETACH TABLE otel_traces', /readonly/i],
  ['OPTIMIZE TABLE otel_traces FINAL', /readonly/i],
  [`ATTACH TABLE evil FROM ${f(scratch)} (x Int32) ENGINE = Memory`, /readonly/i],
  [`BACKUP TABLE otel_traces TO File(${f(written('backup'))})`, /readonly/i],
  ["BACKUP TABLE otel_traces TO Disk('default', 'backup')", /readonly/i],
  ['GRANT ALL ON *.* TO default', /readonly/i],
  ['CREATE USER evil', /readonly/i],
  // Other statements with side effects: killing the writer's inserts, dropping caches, switching database.
  ['KILL QUERY WHERE 1', /readonly/i],
  ['KILL MUTATION WHERE 1', /readonly/i],
  ['SYSTEM DROP DNS CACHE', /readonly/i],
  ['SYSTEM STOP MERGES', /readonly/i],
  ['USE system', /readonly/i],
  // Read-only statement forms other than the names clients browse (and those with extras).
  [`DESCRIBE file(${f(secretPath)}, 'CSVWithNames')`, /readonly/i],
  [`DESCRIBE TABLE file(${f(secretPath)}, 'CSVWithNames')`, /readonly/i],
  [`DESCRIBE (SELECT file(${f(secretPath)}))`, /readonly/i],
  [`SHOW TABLES INTO OUTFILE ${f(written('show.txt'))}`, /readonly/i],
  ["SHOW TABLES FROM system LIKE '%'", /readonly/i],
  ['SHOW PROCESSLIST', /readonly/i],
  ['SHOW CREATE TABLE otel_traces', /readonly/i],
  ['SHOW GRANTS', /readonly/i],
  ["SHOW SETTINGS LIKE '%'", /readonly/i],
  ['SHOW DATABASES SETTINGS readonly = 0', /readonly/i],
  ['EXISTS TABLE otel_traces', /readonly/i],
  // Settings that would lift readonly, top level and inside subqueries, CTEs and views.
  ['SET readonly = 0', /readonly/i],
  ['SELECT 1 SETTINGS readonly = 0', /readonly/i],
  ['SELECT 1 SETTINGS readonly = 2', /readonly/i],
  ['SELECT 1 SETTINGS enable_analyzer = 1', /readonly|enable_analyzer/i],
  ['SELECT 1 SETTINGS allow_introspection_functions = 1', /readonly/i],
  ['SELECT 1 SETTINGS max_memory_usage = 100000000000', /readonly/i],
  ["SELECT * FROM (SELECT getSetting('readonly') SETTINGS readonly = 0)", /readonly/i],
  [`SELECT * FROM (SELECT * FROM file(${f(secretPath)}, 'LineAsString') SETTINGS readonly = 0)`, /readonly/i],
  ["WITH x AS (SELECT getSetting('readonly') SETTINGS readonly = 0) SELECT * FROM x", /readonly/i],
  ["SELECT * FROM (SELECT * FROM (SELECT getSetting('readonly') SETTINGS readonly = 0))", /readonly/i],
  ['SELECT * FROM (SELECT DISTINCT blockSize() FROM numbers(100) SETTINGS max_block_size = 7)', /readonly/i],
  // Local files: the file() function and table function, and what reads or creates files by path.
  [`SELECT file(${f(secretPath)})`, /file\(\).*readonly/i],
  [`SELECT \`file\`(${f(secretPath)})`, /readonly/i],
  [`SELECT arrayMap(x -> file(x), [${f(secretPath)}])`, /readonly/i],
  [`SELECT * FROM file(${f(secretPath)}, 'CSVWithNames')`, /readonly/i],
  [`SELECT * FROM file('secret.csv', 'LineAsString')`, /readonly/i],
  [`SELECT * FROM fileCluster('default', ${f(secretPath)}, 'LineAsString')`, /readonly/i],
  [`SELECT * FROM sqlite(${f(written('created.db'))}, 't')`, /readonly/i],
  [`SELECT * FROM icebergLocal(${f(scratch)})`, /readonly/i],
  [`SELECT catboostEvaluate(${f(secretPath)}, 1)`, /readonly/i],
  // Network and processes.
  ["SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString')", /readonly/i],
  ["SELECT * FROM remote('127.0.0.1', system.one)", /readonly/i],
  ["SELECT * FROM remoteSecure('127.0.0.1', system.one)", /readonly/i],
  ["SELECT * FROM cluster('default', system.one)", /readonly/i],
  ["SELECT * FROM executable('id', 'LineAsString', 'x String')", /readonly/i],
  ["SELECT * FROM s3('http://127.0.0.1:9/bucket/key', 'LineAsString')", /readonly/i],
  ["SELECT * FROM hdfs('hdfs://127.0.0.1:9/x', 'LineAsString')", /readonly/i],
  ["SELECT * FROM mysql('127.0.0.1:9', 'd', 't', 'u', 'p')", /readonly/i],
  ["SELECT * FROM postgresql('127.0.0.1:9', 'd', 't', 'u', 'p')", /readonly/i],
  ["SELECT * FROM jdbc('x', 'y')", /readonly/i],
  ["SELECT * FROM odbc('x', 'y')", /readonly/i],
  ["SELECT * FROM azureBlobStorage('http://127.0.0.1:9', 'c', 'b')", /readonly/i],
  ["SELECT * FROM format(CSV, 'a\n1')", /readonly/i],
  ["SELECT * FROM dictionary('x')", /readonly/i],
  // Other tables reached by name strings, past any check of table names.
  ["SELECT * FROM merge('system', '^disks$')", /readonly/i],
  ["SELECT * FROM loop('system', 'disks') LIMIT 1", /readonly/i],
  // System tables and functions that show paths, configuration, the host or other sessions' queries.
  ['SELECT path FROM system.disks', /system\.disks/],
  ['SELECT data_paths FROM system.tables', /system\.tables/],
  ['SELECT data_path FROM system.databases', /system\.databases/],
  ['SELECT path FROM system.parts', /system\.parts/],
  ['SELECT * FROM system.detached_parts', /system\.detached_parts/],
  ["SELECT * FROM system.server_settings WHERE name = 'path'", /system\.server_settings/],
  ['SELECT * FROM system.settings WHERE changed', /system\.settings/],
  ['SELECT * FROM system.user_directories', /system\.user_directories/],
  ['SELECT query FROM system.processes', /system\.processes/],
  ['SELECT last_error_message FROM system.errors', /system\.errors/],
  ['SELECT * FROM system.stack_trace', /system\.stack_trace/],
  ['SELECT * FROM system.storage_policies', /system\.storage_policies/],
  ['SELECT * FROM system.build_options', /system\.build_options/],
  ["SELECT 1 WHERE 'default' IN system.disks", /system\.disks/],
  ['SELECT (SELECT any(path) FROM system.disks)', /system\.disks/],
  ['SELECT * FROM view(SELECT path FROM system.disks)', /system\.disks/],
  ['SELECT * FROM (SELECT path FROM `system`.`disks`)', /system\.disks/],
  ["SELECT getServerSetting('path')", /getServerSetting/],
  ['SELECT filesystemAvailable(), filesystemCapacity()', /filesystemAvailable/],
  ['SELECT hostName()', /hostName/],
  ['SELECT FQDN()', /FQDN/],
  ["SELECT addressToSymbol(toUInt64(1))", /readonly|addressToSymbol/],
  ['SELECT HOSTNAME()', /readonly/i],
  ['SELECT fullHostName()', /readonly/i],
  ['SELECT getOSKernelVersion()', /readonly/i],
  ['SELECT buildId()', /readonly/i],
  ['SELECT uptime()', /readonly/i],
  ["SELECT getMergeTreeSetting('index_granularity')", /readonly/i],
  ["SELECT joinGet('otel_traces', 'SpanName', '1')", /readonly/i],
  ["SELECT hasColumnInTable('127.0.0.1', 'system', 'disks', 'path')", /readonly/i],
  ["SELECT aiGenerate('x')", /readonly/i],
  ["SELECT dictGet('d', 'x', 1)", /readonly/i],
  ['SELECT currentUser(), currentProfiles()', /readonly/i],
  ["SELECT fileIf('/etc/passwd', 1)", /readonly/i],
  // Functions the parse tree does not name, and system tables a parameter names.
  [`SELECT * APPLY(file) FROM (SELECT ${f(secretPath)} AS p)`, /APPLY.*readonly/i],
  [`SELECT COLUMNS('p') APPLY(x -> file(x)) FROM (SELECT ${f(secretPath)} AS p)`, /APPLY.*readonly/i],
  // Several statements in one, and output redirection to a file.
  ['SELECT 1; DROP TABLE otel_traces', /multi-statements/i],
  ['SELECT 1; SELECT 2', /multi-statements/i],
  ['SELECT 1;SET readonly = 0;SELECT 2', /multi-statements/i],
  [`SELECT 1 INTO OUTFILE ${f(written('out.txt'))}`, /readonly/i],
  [`SELECT 1 INTO OUTFILE ${f(written('out.csv'))} FORMAT CSV`, /readonly/i],
  [`SELECT * FROM (SELECT 1) INTO OUTFILE ${f(written('out2.txt'))} TRUNCATE`, /readonly/i],
  [`EXPLAIN SELECT 1 INTO OUTFILE ${f(written('out3.txt'))}`, /readonly/i],
  [`SELECT 1) INTO OUTFILE ${f(written('out4.txt'))} FORMAT CSV; SELECT (1`, /syntax error/i],
  ['SELECT 1 FORMAT Native', /readonly/i],
  [`SELECT 1 FORMAT CSV SETTINGS readonly = 0`, /readonly/i],
  // Query parameters nobody sets.
  ['SELECT {x:String}', /x/],
  ['SELECT * FROM {t:Identifier}', /t/],
  ['SELECT {sql:String}', /sql/],
];

describe('SQL endpoint under attack', () => {
  it('refuses every attack with 400, leaking no secret or path', async () => {
    const passed: string[] = [];
    for (const [query, reason] of ATTACKS) {
      const res = await sqlPost(query);
      if (res.status !== 400 || !reason.test(res.text)) passed.push(`${query} → ${res.status} ${res.text.slice(0, 200)}`);
      expect(res.text, query).not.toContain(SECRET);
      expect(res.text, query).not.toContain(dataDir);
    }
    expect(passed).toEqual([]);
    // Nothing the attacks named was written.
    for (const name of ['out.txt', 'out.csv', 'out2.txt', 'out3.txt', 'out4.txt', 'created.db', 'backup', 'show.txt']) expect(existsSync(written(name)), name).toBe(false);
  });

  it('refuses the same through GET, and ignores settings or parameters smuggled beside the query', async () => {
    const q = (s: string) => encodeURIComponent(s);
    for (const search of [
      `query=${q(`SELECT file(${f(secretPath)})`)}`,
      `query=${q('SELECT path FROM system.disks')}`,
      `query=${q('SELECT * FROM {t:Identifier}')}&param_t=system.disks`,
      `query=${q("SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString')")}&readonly=0`,
      `query=${q('SELECT 1; DROP TABLE otel_traces')}&allow_ddl=1`,
    ]) {
      const res = await sqlGet(search);
      expect(res.status, search).toBe(400);
      expect(res.text).not.toContain(SECRET);
    }
    // Two queries where one is expected; a query that is not a string.
    expect((await sqlGet(`query=${q('SELECT 1')}&query=${q('DROP TABLE otel_traces')}`)).status).toBe(400);
    expect((await sqlPost(['SELECT 1', 'DROP TABLE otel_traces'])).status).toBe(400);
    expect((await sqlPost({ toString: 'DROP TABLE otel_traces' })).status).toBe(400);
    // Parameters are taken as ClickHouse takes them; anything else beside the query changes nothing.
    const extra = await fetch(`${c.apiUrl}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: "SELECT {x:String} AS x, getSetting('readonly') AS ro", params: { x: 'a' }, query_params: { x: 'b' }, settings: { readonly: 0 } }),
    });
    expect(await extra.json()).toEqual({ columns: expect.any(Array), rows: [{ x: 'a', ro: 1 }] });
    const viaGet = await sqlGet(`query=${q("SELECT {x:String} AS x, getSetting('readonly') AS ro")}&param_x=1&readonly=0`);
    expect(JSON.parse(viaGet.text).rows).toEqual([{ x: '1', ro: 1 }]);
  });

  it('parameter values cannot break out of their quotes, and parameter names cannot carry SQL', async () => {
    for (const value of ["'; DROP TABLE otel_traces; --", "\\'; SET readonly = 0; SELECT '", 'a\\', "x' , readonly = '0", `${f(secretPath)}`]) {
      const res = await sqlPost('SELECT {v:String} AS v', { v: value });
      // Read back as ClickHouse reads param_v (its escaped text format), or refused; never run as SQL.
      expect([200, 400], value).toContain(res.status);
      if (res.status === 200) expect(JSON.parse(res.text).rows[0].v).not.toContain(SECRET);
    }
    expect(JSON.parse((await sqlPost('SELECT {v:String} AS v', { v: "it's" })).text).rows).toEqual([{ v: "it's" }]);
    expect(JSON.parse((await sqlPost('SELECT {v:String} AS v', { v: String.raw`a\\b\tc` })).text).rows).toEqual([{ v: 'a\\b\tc' }]);
    for (const name of ['x = 1, readonly', "x = '1'; DROP TABLE otel_traces; SET param_y", '1x', 'x-y']) {
      const res = await sqlPost('SELECT 1', { [name]: '1' });
      expect(res.status, name).toBe(400);
      expect(res.text).toMatch(/BAD_ARGUMENTS/);
    }
    expect(await rows(c, "SELECT count() AS n FROM system.tables WHERE database = 'default' AND name = 'otel_traces'")).toEqual([{ n: 1 }]);
  });

  it('verdict sql gets the same refusals', async () => {
    for (const args of [
      [`SELECT file(${f(secretPath)})`],
      ['SELECT path FROM system.disks'],
      ['SELECT 1; DROP TABLE otel_traces'],
      [`SELECT 1 INTO OUTFILE ${f(written('cli.txt'))}`],
      ['--param', 't=system.disks', 'SELECT * FROM {t:Identifier}'],
      ['--param', `p=${secretPath}`, 'SELECT file({p:String})'],
    ]) {
      const query = args.join(' ');
      const r = await runCli(['sql', '--api', c.apiUrl, ...args]);
      expect(r.code, query).toBe(2);
      expect(r.stdout + r.stderr, query).not.toContain(SECRET);
      expect(r.stdout + r.stderr, query).not.toContain(dataDir);
    }
    expect(existsSync(written('cli.txt'))).toBe(false);
  });

  it('still answers ordinary read-only SQL', async () => {
    const ok = async (query: string) => {
      const res = await sqlPost(query);
      expect(res.status, `${query}: ${res.text}`).toBe(200);
      return (JSON.parse(res.text) as { rows: Record<string, unknown>[] }).rows;
    };
    expect(await ok("SELECT SpanName, count() AS n FROM otel_traces WHERE SpanName = 'before-attacks' GROUP BY SpanName")).toEqual([
      { SpanName: 'before-attacks', n: 10 },
    ]);
    expect(await ok('WITH t AS (SELECT number AS n FROM numbers(5)) SELECT n FROM t ORDER BY n DESC LIMIT 2')).toEqual([{ n: 4 }, { n: 3 }]);
    expect(await ok('SELECT a FROM (SELECT 1 AS a UNION ALL SELECT 2 AS a) ORDER BY a')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(await ok("SELECT ';' AS semi, ')' AS paren, 'INTO OUTFILE' AS words -- a comment; DROP TABLE otel_traces")).toEqual([
      { semi: ';', paren: ')', words: 'INTO OUTFILE' },
    ]);
    expect(await ok("SELECT table_name FROM information_schema.tables WHERE table_schema = 'default' AND table_name = 'otel_traces'")).toEqual([
      { table_name: 'otel_traces' },
    ]);
    expect(await ok("SELECT name FROM system.columns WHERE database = 'default' AND table = 'otel_traces' AND name = 'AppVersion'")).toEqual([
      { name: 'AppVersion' },
    ]);
    expect(await ok("SELECT format('{}-{}', 'a', 'b') AS s, getSetting('readonly') AS ro FROM system.one")).toEqual([{ s: 'a-b', ro: 1 }]);
    // What ClickHouse clients browse with.
    expect(await ok('SHOW DATABASES')).toEqual(expect.arrayContaining([{ name: 'default' }, { name: 'system' }]));
    expect(await ok('SHOW TABLES FROM "default"')).toEqual(expect.arrayContaining([{ name: 'otel_traces' }]));
    expect((await ok('DESC TABLE "default"."otel_traces"')).find((r) => r.name === 'SessionId')).toMatchObject({ type: 'String', default_type: 'MATERIALIZED' });
    // A self-join reading a derived (MATERIALIZED) column on its right side.
    expect(
      await ok(
        "SELECT l.SpanName AS name, r.SessionId AS session, count() AS n FROM otel_traces AS l INNER JOIN otel_traces AS r ON l.TraceId = r.TraceId " +
          "WHERE l.ServiceName = 'sql-attack' AND l.SpanName = 'before-attacks' GROUP BY name, session",
      ),
    ).toEqual([{ name: 'before-attacks', session: 'session-before-attacks', n: 10 }]);
    // Query parameters, as a ClickHouse server takes them (Identifier ones included).
    const res = await sqlPost('SELECT count() AS n FROM {t:Identifier} WHERE ServiceName = {svc:String} AND SpanName IN {names:Array(String)}', {
      t: 'otel_traces',
      svc: 'sql-attack',
      names: "['before-attacks']",
    });
    expect(JSON.parse(res.text).rows).toEqual([{ n: 10 }]);
    const cli = await runCli(['sql', '--json', '--api', c.apiUrl, '--param', 'svc=sql-attack', '--param', 'name=before-attacks', 'SELECT count() AS n FROM otel_traces WHERE ServiceName = {svc:String} AND SpanName = {name:String}']);
    expect(cli.stdout.trim()).toBe('{"n":10}');
  });

  it('answers displayName() with the configured name (verdict), never the host\'s', async () => {
    const res = await sqlPost('SELECT displayName() AS name, version() AS v');
    const [row] = JSON.parse(res.text).rows as Array<{ name: string; v: string }>;
    expect(row.name).toBe('verdict');
    expect(row.name).not.toBe(hostname());
    expect(row.v).toMatch(/^\d+\.\d+/);
  });

  it('ingests normally afterwards, and the writer never became read-only', async () => {
    await post('after-attacks', 7);
    expect(await rows(c, "SELECT SpanName, count() AS n FROM otel_traces WHERE ServiceName = 'sql-attack' GROUP BY SpanName ORDER BY SpanName")).toEqual([
      { SpanName: 'after-attacks', n: 7 },
      { SpanName: 'before-attacks', n: 10 },
    ]);
    expect(await rows(c, "SELECT getSetting('readonly') AS ro")).toEqual([{ ro: 0 }]);
    expect(await rows(c, "SELECT count() AS n FROM system.tables WHERE database = 'default' AND name = 'otel_traces'")).toEqual([{ n: 1 }]);
  });

  it('refuses every function outside the allow-list, aliases included, and every allowed name exists in the engine', async () => {
    // Outside: categories not allowed, minus the named few; an alias goes with what it stands for.
    const outside = (await rows(c, 'SELECT f.name AS name, if(f.alias_to = \'\', f.categories, t.categories) AS category FROM system.functions AS f LEFT JOIN system.functions AS t ON t.name = f.alias_to'))
      .map((r) => ({ name: String(r.name), category: String(r.category) }))
      .filter((r) => !ALLOWED_FUNCTION_CATEGORIES.has(r.category) && !ALLOWED_OTHER_FUNCTIONS.has(r.name.toLowerCase()));
    expect(outside.map((r) => r.name)).toEqual(expect.arrayContaining(['hostName', 'FQDN', 'file', 'getServerSetting', 'addressToSymbol', 'aiGenerate', 'dictGet']));
    const notRefused: string[] = [];
    for (const { name } of outside) {
      const res = await sqlPost(`SELECT ${name}()`);
      if (res.status !== 400 || !/ACCESS_DENIED/.test(res.text)) notRefused.push(`${name}: ${res.status} ${res.text.slice(0, 120)}`);
    }
    expect(notRefused).toEqual([]);
    const functions = new Set((await rows(c, 'SELECT lower(name) AS name FROM system.functions')).map((r) => r.name));
    expect([...ALLOWED_OTHER_FUNCTIONS].filter((name) => !functions.has(name))).toEqual([]);
    expect([...SYNTAX_FUNCTIONS].filter((name) => functions.has(name))).toEqual([]);
    const known = new Set((await rows(c, 'SELECT lower(name) AS name FROM system.table_functions')).map((r) => r.name));
    expect([...ALLOWED_TABLE_FUNCTIONS].filter((name) => !known.has(name))).toEqual([]);
  });
});
