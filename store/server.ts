// The server placement: a ClickHouse server at a URL. A sealed queue segment is streamed as the
// body of an INSERT … FORMAT RowBinary, so the bytes on disk are the bytes on the wire.
import { createClient, type ClickHouseSettings } from '@clickhouse/client';
import type { ReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { holderFileIn, settleLock } from '../schema/apply-schema.js';
import { clusterDdl, mergeTreeTables } from '../schema/cluster-ddl.js';
import { insertColumnList } from '../schema/otel-traces.js';
import { renderSqlFile } from '../schema/sql-files.js';
import type { VerdictConfig } from './config.js';
import { feedbackCarryFileIn } from './feedback-carry.js';
import { createPricer } from './prices.js';
import { COLLAPSE_AFTER, COLLAPSE_SETTLED, createSettler, settleAfter } from './settle.js';
import { insertFailure } from './errors.js';
import type { Store } from './store.js';
import { createServerUserSql } from './user-sql-server.js';
import { userSqlLimits } from './user-sql.js';

/**
 * On a cluster, every statement's settings, in this one place (the SQL itself is unchanged):
 * - distributed_product_mode = 'global': an IN or JOIN over a Distributed table inside a query on
 *   one (verdict_traces_live's cancelled rows, settling's prior summaries) reads the whole cluster
 *   once, not each shard only its own part;
 * - distributed_foreground_insert = 1: an insert returns when its rows are on their shards, so the
 *   settling that follows sees them;
 * - insert_quorum = 'auto': on a majority of each shard's replicas;
 * - select_sequential_consistency = 1: reads see every quorum insert acknowledged before them.
 */
export const CLUSTER_SETTINGS: ClickHouseSettings = {
  distributed_product_mode: 'global',
  distributed_foreground_insert: 1,
  insert_quorum: 'auto',
  select_sequential_consistency: '1',
};

export function openServerStore(config: VerdictConfig, url: string): Store {
  const connection = {
    url,
    username: config.clickhouseUser,
    password: config.clickhousePassword,
    database: config.clickhouseDatabase,
    ...(config.cluster ? { clickhouse_settings: CLUSTER_SETTINGS } : {}),
  };
  const cluster = config.cluster;
  const tables = cluster ? mergeTreeTables() : undefined;
  const client = createClient(connection);
  const readOnlyClient = createClient({ ...connection, clickhouse_settings: { ...connection.clickhouse_settings, readonly: '1' } });
  const userSql = createServerUserSql({ connection, limits: userSqlLimits(config) });
  const shown = new URL(url);
  shown.username = '';
  shown.password = '';
  const insert = renderSqlFile('schema/inserts/span-rows-rowbinary.sql', { columns: insertColumnList() });
  const logInsert = renderSqlFile('schema/inserts/log-rows-jsoneachrow.sql');
  // Other collectors may share this server: every settle run holds the settle lock, and a run looks
  // 2 s back again for parts they committed behind an arrival already seen.
  const lock = settleLock(client, { lockLeaseMs: config.lockLeaseMs, cluster: config.cluster, holderFile: holderFileIn(config.dataDir) });
  const collapse = cluster ? undefined : { statement: COLLAPSE_SETTLED, ...COLLAPSE_AFTER };
  const settler = createSettler(
    client,
    { overlapMs: 2_000, minGapMs: config.settleGapMs, lock, collapse, feedbackCarryFile: feedbackCarryFileIn(config.dataDir) },
    createPricer({ pricesFile: config.prices }),
  );
  let replayed = false;
  return {
    client,
    readOnlyClient,
    userSql,
    placement: 'server',
    location: shown.toString(),
    async insertSegment(dataPath, dedupToken) {
      let body: ReadStream | undefined;
      try {
        // Opened first: a file that cannot be opened fails this insert. Left to the stream, its
        // 'error' came while the client was still connecting, with nobody listening: a crash.
        body = (await open(dataPath)).createReadStream();
        const result = await client.exec({ query: insert, values: body, query_params: { token: dedupToken } });
        result.stream.resume();
      } catch (err) {
        throw insertFailure('ClickHouse server rejected a batch', dataPath, err);
      } finally {
        body?.destroy();
      }
      // The first batch after a start may be one stored before a crash but never settled, and the
      // other collectors' runs since moved the watermark past it: this run looks back to the
      // batch's own time, once.
      const lookBackToMs = replayed ? undefined : (await stat(dataPath).catch(() => undefined))?.mtimeMs;
      replayed = true;
      await settleAfter(settler, dedupToken, { lookBackToMs });
    },
    async insertLogSegment(dataPath, dedupToken) {
      let body: ReadStream | undefined;
      try {
        body = (await open(dataPath)).createReadStream();
        const result = await client.exec({ query: logInsert, values: body, query_params: { token: dedupToken } });
        result.stream.resume();
      } catch (err) {
        throw insertFailure('ClickHouse server rejected a batch of log records', dataPath, err);
      } finally {
        body?.destroy();
      }
    },
    settle: (options) => settler.settle(undefined, options),
    ...(cluster ? { transformDdl: (statement: string) => clusterDdl(statement, cluster, tables) } : {}),
    async close() {
      await settler.close();
      await userSql.close();
      await Promise.all([client.close(), readOnlyClient.close()]);
    },
  };
}
