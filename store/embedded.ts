// The embedded placement: chDB in this process, its data in `<data-dir>/clickhouse`. A sealed
// queue segment is inserted by the engine reading the file itself, the fastest path measured.
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { Session } from 'chdb';
import { createChdbConnection } from 'chdb/connection';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LOG_ROW_STRUCTURE } from '../schema/otel-logs.js';
import { insertColumnList, rowStructure } from '../schema/otel-traces.js';
import { renderSqlFile } from '../schema/sql-files.js';
import type { VerdictConfig } from './config.js';
import { feedbackCarryFileIn } from './feedback-carry.js';
import { createPricer } from './prices.js';
import { COLLAPSE_AFTER, COLLAPSE_SETTLED, createSettler, settleAfter } from './settle.js';
import { insertFailure, NoStoreError } from './errors.js';
import type { OpenStoreOptions, Store } from './store.js';
import { createEmbeddedUserSql } from './user-sql-embedded.js';
import { userSqlLimits } from './user-sql.js';

/**
 * Settings of every users' session besides its limits:
 * - allow_introspection_functions = 0: no reading of the binary's symbols;
 * - priority = 2 (the writer's sessions have 1): while an insert or a built-in question runs, the
 *   engine holds users' queries back (ClickHouse's query priorities).
 */
const USER_SESSION_SETTINGS = { allow_introspection_functions: 0, priority: 2, os_thread_priority: 19 };
/** The writer's and the questions' priority: ahead of users' queries. */
const WRITER_SETTINGS = { priority: '1' };

/** The embedded engine's own folder inside the data directory (the queue lives beside it). */
export function embeddedEnginePath(config: Pick<VerdictConfig, 'dataDir'>): string {
  return join(resolve(config.dataDir), 'clickhouse');
}

export function openEmbeddedStore(config: VerdictConfig, options: OpenStoreOptions = {}): Store {
  const dataDir = embeddedEnginePath(config);
  if (options.existingOnly && !existsSync(dataDir)) {
    throw new NoStoreError(`no Verdict data in ${resolve(config.dataDir)} (it has no clickhouse/ folder); start \`verdict serve\` there first, or pass --data-dir or --api`);
  }
  mkdirSync(dataDir, { recursive: true });
  // The first session opens the engine for the whole process, with its server configuration:
  // displayName() answers the configured name instead of the host's.
  const engine = new Session(dataDir, { connectionArgs: [`--display_name=${config.displayName}`] });
  const client = embeddedClient(dataDir, WRITER_SETTINGS);
  // readonly = 1 sticks to this session and never to the writer's.
  const readOnlyClient = embeddedClient(dataDir, { readonly: '1' });
  const userSql = createEmbeddedUserSql({ dataDir, limits: userSqlLimits(config), sessionSettings: USER_SESSION_SETTINGS });
  // Binary input cannot travel through the chDB connection's query text; the engine reads the
  // segment file with file() (ENGINE-FACTS).
  const insert = renderSqlFile('schema/inserts/span-rows-from-file.sql', { columns: insertColumnList() });
  const structure = rowStructure();
  const logInsert = renderSqlFile('schema/inserts/log-rows-from-file.sql', { structure: LOG_ROW_STRUCTURE });
  // One sequential inserter writes here: no part can commit behind an arrival already settled.
  const settler = createSettler(
    client,
    { overlapMs: 1, minGapMs: config.settleGapMs, collapse: { statement: COLLAPSE_SETTLED, ...COLLAPSE_AFTER }, feedbackCarryFile: feedbackCarryFileIn(resolve(config.dataDir)) },
    createPricer({ pricesFile: config.prices }),
  );
  return {
    client,
    readOnlyClient,
    userSql,
    placement: 'embedded',
    location: dataDir,
    async insertSegment(dataPath, dedupToken) {
      try {
        await client.command({ query: insert, query_params: { path: dataPath, structure, token: dedupToken } });
      } catch (err) {
        throw insertFailure('embedded store rejected a batch', dataPath, err);
      }
      await settleAfter(settler, dedupToken);
    },
    async insertLogSegment(dataPath, dedupToken) {
      try {
        await client.command({ query: logInsert, query_params: { path: dataPath, token: dedupToken } });
      } catch (err) {
        throw insertFailure('embedded store rejected a batch of log records', dataPath, err);
      }
    },
    settle: (options) => settler.settle(undefined, options),
    async close() {
      await settler.close();
      await userSql.close();
      await Promise.all([readOnlyClient.close(), client.close()]);
      engine.close();
    },
  };
}

function embeddedClient(dataDir: string, settings: ClickHouseClientConfigOptions['clickhouse_settings']): ClickHouseClient {
  // chdb types the connection against @clickhouse/client-common, which @clickhouse/client 1.23 bundles
  // under its own name; the shapes are the same.
  const connection = createChdbConnection({ path: dataDir }) as unknown as NonNullable<ClickHouseClientConfigOptions['connection']>;
  return createClient({ connection, clickhouse_settings: settings });
}
