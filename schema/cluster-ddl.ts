// The cluster layout, derived from the one set of migration files (future ones too): each
// MergeTree table becomes a Replicated table per shard (`<name>_local`) with a Distributed table of
// the old name over it, sharded by trace; materialized views run shard-local; views, inserts and
// every query keep reading the old names. Statements of an unknown kind fail loudly.
import { listSqlFiles, readSqlFile, splitStatements } from './sql-files.js';

export class ClusterDdlError extends Error {
  readonly code = 'CLUSTER_DDL';
  constructor(message: string) {
    super(message);
    this.name = 'ClusterDdlError';
  }
}

/** Suffix of the per-shard tables; the Distributed table keeps the name the queries use. */
export const LOCAL_SUFFIX = '_local';

const CREATE_TABLE = /^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+(\w+)\s*\(/i;
const ENGINE = /ENGINE\s*=\s*(\w*MergeTree)\b(?:\s*\(([^)]*)\))?/i;
const CREATE_MV = /^CREATE\s+MATERIALIZED\s+VIEW\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+TO\s+(\w+)\s+([\s\S]*)$/i;
const CREATE_VIEW = /^CREATE\s+VIEW\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+([\s\S]*)$/i;
const DROP = /^DROP\s+(TABLE|VIEW)\s+IF\s+EXISTS\s+(\w+)\s*$/i;
const ALTER = /^ALTER\s+TABLE\s+(\w+)\s+([\s\S]*)$/i;
/** ALTERs a Distributed table takes too (its columns must follow the shards'). */
const COLUMN_ALTER = /^\s*(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b/i;

/** The MergeTree tables the migrations create: the ones that get a per-shard table. */
export function mergeTreeTables(): Set<string> {
  const tables = new Set<string>();
  const files = ['schema/migrations-table.sql', ...listSqlFiles('schema/migrations')];
  for (const statement of files.flatMap((f) => splitStatements(readSqlFile(f)))) {
    const name = CREATE_TABLE.exec(statement)?.[1];
    if (name && ENGINE.test(statement)) tables.add(name);
  }
  return tables;
}

/**
 * Rewrites one schema statement for the cluster `cluster`: the statements to run instead, in
 * order. `tables` are the MergeTree tables (default: every one the migrations create).
 */
export function clusterDdl(statement: string, cluster: string, tables: ReadonlySet<string> = mergeTreeTables()): string[] {
  if (!/^[\w.-]+$/.test(cluster)) throw new ClusterDdlError(`bad cluster name ${JSON.stringify(cluster)}`);
  const on = `ON CLUSTER '${cluster}'`;
  const sql = statement.trim();
  const local = (name: string) => `${name}${LOCAL_SUFFIX}`;

  const table = CREATE_TABLE.exec(sql);
  if (table) {
    const name = table[1];
    const engine = ENGINE.exec(sql);
    if (!engine) throw new ClusterDdlError(`${name}: only MergeTree-family tables are laid out on a cluster`);
    const [whole, family, args] = engine;
    // Each shard's replicas share a Keeper path; {shard} and {replica} are the servers' macros.
    const path = `'/clickhouse/tables/{shard}/{database}/${local(name)}', '{replica}'`;
    const replicated = `ENGINE = Replicated${family}(${[path, args?.trim()].filter(Boolean).join(', ')})`;
    const shardTable = replicatedSettings(sql.slice(0, engine.index) + replicated + sql.slice(engine.index + whole.length))
      .replace(CREATE_TABLE, `CREATE TABLE IF NOT EXISTS ${local(name)} ${on} (`);
    const distributed = `CREATE TABLE IF NOT EXISTS ${name} ${on} AS ${local(name)}\nENGINE = Distributed('${cluster}', currentDatabase(), ${local(name)}, ${shardingKey(sql)})`;
    return [shardTable, distributed];
  }

  const mv = CREATE_MV.exec(sql);
  if (mv) {
    // A view fires on inserts into the table it reads: on each shard, the shard's own rows.
    const [, name, target, rest] = mv;
    return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} ${on} TO ${tables.has(target) ? local(target) : target} ${toLocal(rest, tables)}`];
  }

  const view = CREATE_VIEW.exec(sql);
  if (view) return [`CREATE VIEW IF NOT EXISTS ${view[1]} ${on} ${view[2]}`];

  const drop = DROP.exec(sql);
  if (drop) {
    const [, kind, name] = drop;
    const out = [`DROP ${kind.toUpperCase()} IF EXISTS ${name} ${on} SYNC`];
    if (tables.has(name)) out.push(`DROP TABLE IF EXISTS ${local(name)} ${on} SYNC`);
    return out;
  }

  const alter = ALTER.exec(sql);
  if (alter) {
    const [, name, rest] = alter;
    if (!tables.has(name)) throw new ClusterDdlError(`ALTER TABLE ${name}: not a table the migrations create`);
    const out = [`ALTER TABLE ${local(name)} ${on} ${replicatedSettings(rest)}`];
    if (COLUMN_ALTER.test(rest)) out.push(`ALTER TABLE ${name} ${on} ${rest}`);
    return out;
  }

  // Inserts (backfills) and reads go through the Distributed tables: the rows land on their shards.
  if (/^(INSERT|SELECT|WITH)\b/i.test(sql)) return [sql];
  throw new ClusterDdlError(`no cluster form for this statement (add one to schema/cluster-ddl.ts): ${sql.slice(0, 80)}`);
}

/** A trace's rows all live on one shard: TraceHash is cityHash64(TraceId) wherever it is stored. */
function shardingKey(createTable: string): string {
  // A column definition: the name right after `(` or `,`, then its type.
  if (/[(,]\s*TraceHash\s+UInt64/.test(createTable)) return 'TraceHash';
  if (/[(,]\s*TraceId\s+String/.test(createTable)) return 'cityHash64(TraceId)';
  // Rollups and bookkeeping: only views and backfills write them, and any shard serves a sum.
  return 'rand()';
}

/** A replicated table deduplicates through Keeper: its window setting has another name. */
function replicatedSettings(sql: string): string {
  return sql.replace(/\bnon_replicated_deduplication_window\b/g, 'replicated_deduplication_window');
}

/** The tables a view's query reads, as their per-shard tables. */
function toLocal(select: string, tables: ReadonlySet<string>): string {
  return select.replace(/\b(FROM|JOIN)\s+(\w+)\b/gi, (m, keyword: string, name: string) => (tables.has(name) ? `${keyword} ${name}${LOCAL_SUFFIX}` : m));
}
