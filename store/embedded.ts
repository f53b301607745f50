// The embedded placement: chDB in this process, its data in `<data-dir>/clickhouse`. A sealed
// queue segment is inserted by the engine reading the file itself, the fastest path measured.
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { insertColumnList, rowStructure } from '../schema/otel-traces.js';
import { renderSqlFile } from '../schema/sql-files.js';
import type { VerdictConfig } from './config.js';
import { createSettler, settleAfter } from './settle.js';
import { insertFailure, NoStoreError } from './errors.js';
import type { OpenStoreOptions, Store } from './store.js';

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
  const client = embeddedClient(dataDir);
  // Users' SQL gets its own session: queries there always carry readonly = 1, which then sticks to
  // that session and never to the writer's.
  const readOnlyClient = embeddedClient(dataDir);
  // Binary input cannot travel through the chDB connection's query text; the engine reads the
  // segment file with file() (ENGINE-FACTS).
  const insert = renderSqlFile('schema/inserts/span-rows-from-file.sql', { columns: insertColumnList() });
  const structure = rowStructure();
  const settler = createSettler(client);
  return {
    client,
    readOnlyClient,
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
    settle: () => settler.settle(),
    async close() {
      await Promise.all([readOnlyClient.close(), client.close()]);
    },
  };
}

function embeddedClient(dataDir: string): ClickHouseClient {
  // chdb types the connection against @clickhouse/client-common, which @clickhouse/client 1.23 bundles
  // under its own name; the shapes are the same.
  const connection = createChdbConnection({ path: dataDir }) as unknown as NonNullable<ClickHouseClientConfigOptions['connection']>;
  return createClient({ connection });
}
