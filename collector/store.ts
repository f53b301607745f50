// Builds the one ClickHouse client everything talks through: the embedded engine (chDB, data in a
// local folder) by default, or a ClickHouse server when a URL is configured. Apart from this module
// and the batch insert below, nothing knows which placement it runs on.
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { mkdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { resolve, join } from 'node:path';
import { Readable } from 'node:stream';
import type { VerdictConfig } from './config.js';
import { readSqlFile } from '../schema/sql-files.js';
import { OTEL_TRACES_INSERT_COLUMNS } from './span-rows.js';

export interface Store {
  client: ClickHouseClient;
  placement: 'embedded' | 'server';
  /** Where the data lives: a folder for the embedded engine, the URL (without credentials) for a server. */
  location: string;
  /** Inserts RowBinary otel_traces rows as one batch; a replay with the same token is not stored twice. */
  insertSpanRows(rows: Buffer, dedupToken: string): Promise<void>;
  close(): Promise<void>;
}

/** The store rejected a write or could not be reached: the caller should retry later. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

const STRUCTURE = OTEL_TRACES_INSERT_COLUMNS.map(([name, type]) => `\`${name}\` ${type}`).join(', ');

export function openStore(config: VerdictConfig): Store {
  return config.clickhouseUrl ? openServerStore(config, config.clickhouseUrl) : openEmbeddedStore(config);
}

function openEmbeddedStore(config: VerdictConfig): Store {
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const staging = join(dataDir, 'verdict-staging');
  mkdirSync(staging, { recursive: true });
  const connection = createChdbConnection({ path: dataDir });
  // chdb types the connection against @clickhouse/client-common, which @clickhouse/client 1.23 bundles
  // under its own name; the shapes are the same.
  const client = createClient({ connection: connection as unknown as NonNullable<ClickHouseClientConfigOptions['connection']> });
  let batchSeq = 0;
  return {
    client,
    placement: 'embedded',
    location: dataDir,
    async insertSpanRows(rows, dedupToken) {
      // Binary input cannot travel through the chDB connection's query text, so the batch goes
      // through a file the engine reads with file(): the fastest insert path measured (ENGINE-FACTS).
      const file = join(staging, `batch-${process.pid}-${++batchSeq}.rowbinary`);
      await writeFile(file, rows);
      try {
        await client.command({
          query: readSqlFile('schema/inserts/span-rows-from-file.sql'),
          query_params: { path: file, structure: STRUCTURE },
          clickhouse_settings: { async_insert: 0, insert_deduplication_token: dedupToken },
        });
      } catch (err) {
        throw new StoreUnavailableError(`embedded store rejected a batch: ${(err as Error).message}`, { cause: err });
      } finally {
        await rm(file, { force: true });
      }
    },
    async close() {
      await client.close();
    },
  };
}

function openServerStore(config: VerdictConfig, url: string): Store {
  const client = createClient({
    url,
    username: config.clickhouseUser,
    password: config.clickhousePassword,
    database: config.clickhouseDatabase,
  });
  const shown = new URL(url);
  shown.username = '';
  shown.password = '';
  return {
    client,
    placement: 'server',
    location: shown.toString(),
    async insertSpanRows(rows, dedupToken) {
      try {
        const result = await client.exec({
          query: readSqlFile('schema/inserts/span-rows-rowbinary.sql'),
          values: Readable.from([rows]),
          clickhouse_settings: { async_insert: 0, insert_deduplication_token: dedupToken },
        });
        result.stream.resume();
      } catch (err) {
        throw new StoreUnavailableError(`ClickHouse server rejected a batch: ${(err as Error).message}`, { cause: err });
      }
    },
    async close() {
      await client.close();
    },
  };
}
