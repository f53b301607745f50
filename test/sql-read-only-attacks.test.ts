// The SQL endpoint stays read-only under attack: writes, DDL, settings that would lift readonly
// (top-level and inside subqueries), table functions and file() that reach files, URLs, hosts or
// processes, system tables that show paths, multi-statements, INTO OUTFILE and query-parameter
// confusion are all refused with 400, leave no file behind, leak no secret or path, and the
// collector ingests normally afterwards.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { ALLOWED_TABLE_FUNCTIONS, REFUSED_FUNCTIONS } from '../queries/read-only-rules.js';
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
  return otlpJsonRequest({ service: 'sql-attack', name, count: n });
}

async function post(name: string, n: number): Promise<void> {
  const res = await postOtlp(c, spans(name, n), { 'content-type': 'application/json' });
  expect(res.status, res.body.toString()).toBe(200);
}

async function sqlPost(query: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${c.apiUrl}/api/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
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
  ['SHOW TABLES', /readonly/i],
  [`DESCRIBE file(${f(secretPath)}, 'CSVWithNames')`, /readonly/i],
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
    for (const name of ['out.txt', 'out.csv', 'out2.txt', 'out3.txt', 'out4.txt', 'created.db', 'backup']) expect(existsSync(written(name)), name).toBe(false);
  });

  it('refuses the same through GET, and ignores settings or parameters smuggled beside the query', async () => {
    const q = (s: string) => encodeURIComponent(s);
    for (const search of [
      `query=${q(`SELECT file(${f(secretPath)})`)}`,
      `query=${q('SELECT path FROM system.disks')}`,
      `query=${q('SELECT {x:String}')}&param_x=1`,
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
    const extra = await fetch(`${c.apiUrl}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'SELECT {x:String} AS x', params: { x: 'a' }, query_params: { x: 'a' }, settings: { readonly: 0 } }),
    });
    expect(extra.status).toBe(400);
  });

  it('verdict sql gets the same refusals', async () => {
    for (const query of [`SELECT file(${f(secretPath)})`, 'SELECT path FROM system.disks', 'SELECT 1; DROP TABLE otel_traces', `SELECT 1 INTO OUTFILE ${f(written('cli.txt'))}`]) {
      const r = await runCli(['sql', '--api', c.apiUrl, query]);
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

  it('refuses every alias of a refused function, and allows only table functions the engine has', async () => {
    const aliases = await rows(c, 'SELECT name, alias_to FROM system.functions WHERE alias_to != \'\'');
    const missing = aliases
      .filter((r) => REFUSED_FUNCTIONS.has(String(r.alias_to).toLowerCase()) && !REFUSED_FUNCTIONS.has(String(r.name).toLowerCase()))
      .map((r) => r.name);
    expect(missing).toEqual([]);
    const known = new Set((await rows(c, 'SELECT lower(name) AS name FROM system.table_functions')).map((r) => r.name));
    expect([...ALLOWED_TABLE_FUNCTIONS].filter((name) => !known.has(name))).toEqual([]);
  });
});
