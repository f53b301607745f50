// The --cluster layout is generated from the migration files. No cluster runs here, so what is
// proven is: every generated statement parses in the engine, each MergeTree table becomes a
// Replicated per-shard table with a Distributed table of its name, trace tables are sharded by
// trace, views run shard-local, and a future migration gets the same treatment.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterDdlError, clusterDdl, mergeTreeTables } from '../schema/cluster-ddl.js';
import { listSqlFiles, readSqlFile, renderSqlFile, splitStatements } from '../schema/sql-files.js';
import { loadConfig } from '../store/config.js';
import { settleStatement } from '../store/settle.js';
import { openStore, type Store } from '../store/store.js';

const CLUSTER = 'verdict_cluster';
let store: Store;

beforeAll(() => {
  store = openStore(loadConfig({}, { 'data-dir': mkdtempSync(join(tmpdir(), 'verdict-cluster-ddl-')) }));
});
afterAll(async () => {
  await store?.close();
});

const ALL_STATEMENTS = ['schema/migrations-table.sql', ...listSqlFiles('schema/migrations'), 'schema/ttl.sql'].flatMap((file) =>
  splitStatements(readSqlFile(file)).map((statement) => ({ file, statement })),
);

/** Parses a statement in the engine without running it; parameters get a value of their type. */
async function parse(statement: string): Promise<string> {
  const params: Record<string, string | number> = {};
  for (const [, name, type] of statement.matchAll(/\{(\w+):([^}]+)\}/g)) params[name] = /DateTime/.test(type) ? '1970-01-01 00:00:00' : /String/.test(type) ? 'x' : 0;
  const result = await store.client.query({ query: `EXPLAIN AST ${statement}`, query_params: params, format: 'TabSeparatedRaw' });
  return result.text();
}

describe('the cluster layout', () => {
  it('every generated statement of every migration parses', async () => {
    const generated = ALL_STATEMENTS.flatMap(({ file, statement }) => clusterDdl(statement, CLUSTER).map((sql) => ({ file, sql })));
    expect(generated.length).toBeGreaterThan(ALL_STATEMENTS.length);
    for (const { file, sql } of generated) {
      await expect(parse(sql), `${file}: ${sql.slice(0, 120)}`).resolves.toMatch(/Query/);
    }
  });

  it('the lock table on a cluster (KeeperMap) parses', async () => {
    await expect(parse(renderSqlFile('schema/lock/keeper-map.sql', { cluster: CLUSTER }))).resolves.toMatch(/CreateQuery verdict_locks/);
  });

  it('each MergeTree table: a Replicated table per shard, and a Distributed one of its name sharded by trace', () => {
    const tables = mergeTreeTables();
    expect([...tables]).toEqual(expect.arrayContaining(['otel_traces', 'verdict_trace_parts', 'verdict_traces', 'verdict_trace_state', 'verdict_rollup_1m', 'verdict_rollup_1h', 'verdict_schema_migrations']));
    const created = ALL_STATEMENTS.filter(({ statement }) => /^CREATE TABLE/i.test(statement)).map(({ statement }) => clusterDdl(statement, CLUSTER));
    for (const [shard, distributed] of created) {
      expect(shard).toMatch(new RegExp(`^CREATE TABLE IF NOT EXISTS \\w+_local ON CLUSTER '${CLUSTER}' \\(`));
      expect(shard).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\w+_local', '\{replica\}'/);
      expect(shard).not.toMatch(/non_replicated_deduplication_window/);
      expect(distributed).toMatch(/ENGINE = Distributed\('verdict_cluster', currentDatabase\(\), \w+_local, /);
    }
    // A trace's spans, parts, summaries and state all land on one shard: the same hash of TraceId.
    const key = (name: string) => created.find(([, d]) => d.startsWith(`CREATE TABLE IF NOT EXISTS ${name} `))![1].match(/, ([^,]+)\)$/)![1];
    expect(key('otel_traces')).toBe('cityHash64(TraceId)');
    for (const name of ['verdict_trace_parts', 'verdict_traces', 'verdict_trace_state']) expect(key(name)).toBe('TraceHash');
    // The collapsing engine keeps its sign column after the replication arguments.
    const traces = created.filter(([shard]) => /CollapsingMergeTree/.test(shard)).at(-1)![0];
    expect(traces).toMatch(/ReplicatedCollapsingMergeTree\('[^']+', '\{replica\}', Sign\)/);
    expect(traces).toMatch(/replicated_deduplication_window = 1000/);
  });

  it('materialized views read and write the shard tables; plain views and inserts keep the distributed names', () => {
    const mv = ALL_STATEMENTS.map(({ statement }) => statement).filter((s) => /^CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_rollup_1h_mv/.test(s)).at(-1)!;
    const [out] = clusterDdl(mv, CLUSTER);
    expect(out).toMatch(/^CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_rollup_1h_mv ON CLUSTER 'verdict_cluster' TO verdict_rollup_1h_local /);
    expect(out).toMatch(/FROM verdict_rollup_1m_local\b/);
    const settle = settleStatement();
    expect(clusterDdl(settle, CLUSTER)).toEqual([settle]);
  });

  it('a future migration gets the same layout, and a statement it has no form for fails loudly', () => {
    const tables = new Set([...mergeTreeTables(), 'verdict_widgets']);
    const [shard, distributed] = clusterDdl(
      'CREATE TABLE IF NOT EXISTS verdict_widgets (TraceId String, N UInt64) ENGINE = ReplacingMergeTree(N) ORDER BY TraceId SETTINGS non_replicated_deduplication_window = 1000',
      CLUSTER,
      tables,
    );
    expect(shard).toBe(
      "CREATE TABLE IF NOT EXISTS verdict_widgets_local ON CLUSTER 'verdict_cluster' (TraceId String, N UInt64) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/verdict_widgets_local', '{replica}', N) ORDER BY TraceId SETTINGS replicated_deduplication_window = 1000",
    );
    expect(distributed).toBe("CREATE TABLE IF NOT EXISTS verdict_widgets ON CLUSTER 'verdict_cluster' AS verdict_widgets_local\nENGINE = Distributed('verdict_cluster', currentDatabase(), verdict_widgets_local, cityHash64(TraceId))");
    expect(clusterDdl('CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_widgets_mv TO verdict_widgets AS SELECT TraceId, count() AS N FROM otel_traces GROUP BY TraceId', CLUSTER, tables)).toEqual([
      "CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_widgets_mv ON CLUSTER 'verdict_cluster' TO verdict_widgets_local AS SELECT TraceId, count() AS N FROM otel_traces_local GROUP BY TraceId",
    ]);
    expect(clusterDdl('ALTER TABLE verdict_widgets ADD COLUMN IF NOT EXISTS M UInt8', CLUSTER, tables)).toEqual([
      "ALTER TABLE verdict_widgets_local ON CLUSTER 'verdict_cluster' ADD COLUMN IF NOT EXISTS M UInt8",
      "ALTER TABLE verdict_widgets ON CLUSTER 'verdict_cluster' ADD COLUMN IF NOT EXISTS M UInt8",
    ]);
    expect(clusterDdl('DROP TABLE IF EXISTS verdict_widgets', CLUSTER, tables)).toEqual([
      "DROP TABLE IF EXISTS verdict_widgets ON CLUSTER 'verdict_cluster' SYNC",
      "DROP TABLE IF EXISTS verdict_widgets_local ON CLUSTER 'verdict_cluster' SYNC",
    ]);
    expect(() => clusterDdl('RENAME TABLE a TO b', CLUSTER, tables)).toThrow(ClusterDdlError);
    expect(() => clusterDdl('CREATE TABLE IF NOT EXISTS x (a UInt8) ENGINE = Memory', CLUSTER, tables)).toThrow(ClusterDdlError);
  });
});
