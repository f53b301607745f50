// Builds the one ClickHouse client everything talks through: the embedded engine (chDB, data in a
// local folder) by default, or a ClickHouse server when a URL is configured. Apart from this module
// and the batch insert below, nothing knows which placement it runs on.
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { existsSync, mkdirSync, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { VerdictConfig } from './config.js';
import { readSqlFile } from '../schema/sql-files.js';
import { OTEL_TRACES_INSERT_COLUMNS } from '../collector/encode/model-rows.js';

export interface Store {
  client: ClickHouseClient;
  /**
   * For users' own SQL, always queried with readonly = 1. A separate connection because the
   * embedded connection applies per-query settings as session SETs that outlive the query (and
   * readonly, once set, can never be unset on that session).
   */
  readOnlyClient: ClickHouseClient;
  placement: 'embedded' | 'server';
  /** Where the data lives: a folder for the embedded engine, the URL (without credentials) for a server. */
  location: string;
  /**
   * Inserts a file of RowBinary otel_traces rows (a sealed queue segment) as one batch; a replay
   * with the same token is not stored twice.
   */
  insertSegment(dataPath: string, dedupToken: string): Promise<void>;
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

/**
 * The store refused a batch for what it contains (its bytes are not readable rows, or its file is
 * gone): retrying cannot help, so the batch is set aside instead of holding up the queue.
 */
export class BatchRejectedError extends Error {
  readonly code = 'BATCH_REJECTED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BatchRejectedError';
  }
}

// Errors that depend only on the batch's bytes (ClickHouse codes: ATTEMPT_TO_READ_AFTER_EOF,
// CANNOT_READ_ALL_DATA, INCORRECT_DATA, TOO_LARGE_ARRAY_SIZE, TOO_LARGE_STRING_SIZE,
// SIZES_OF_ARRAYS_DONT_MATCH), or a batch file that is gone. Anything else (the store down,
// overloaded, read-only, a table missing) may pass later and is retried.
const BAD_BATCH_CODES = new Set(['32', '33', '117', '128', '131', '190']);

function insertFailure(what: string, dataPath: string, err: unknown): Error {
  const message = `${what}: ${(err as Error).message}`;
  const code = (err as { code?: unknown }).code;
  if ((typeof code === 'string' && BAD_BATCH_CODES.has(code)) || !existsSync(dataPath)) return new BatchRejectedError(message, { cause: err });
  return new StoreUnavailableError(message, { cause: err });
}

const STRUCTURE = OTEL_TRACES_INSERT_COLUMNS.map(([name, type]) => `\`${name}\` ${type}`).join(', ');

/** The embedded engine's own folder inside the data directory (the queue lives beside it). */
export function embeddedEnginePath(config: VerdictConfig): string {
  return join(resolve(config.dataDir), 'clickhouse');
}

export function openStore(config: VerdictConfig): Store {
  return config.clickhouseUrl ? openServerStore(config, config.clickhouseUrl) : openEmbeddedStore(config);
}

function openEmbeddedStore(config: VerdictConfig): Store {
  const dataDir = embeddedEnginePath(config);
  mkdirSync(dataDir, { recursive: true });
  const client = embeddedClient(dataDir);
  // Users' SQL gets its own session: queries there always carry readonly = 1, which then sticks to
  // that session and never to the writer's.
  const readOnlyClient = embeddedClient(dataDir);
  return {
    client,
    readOnlyClient,
    placement: 'embedded',
    location: dataDir,
    async insertSegment(dataPath, dedupToken) {
      // Binary input cannot travel through the chDB connection's query text; the engine reads the
      // segment file itself with file(): the fastest insert path measured (ENGINE-FACTS).
      try {
        await client.command({
          query: readSqlFile('schema/inserts/span-rows-from-file.sql'),
          query_params: { path: dataPath, structure: STRUCTURE, token: dedupToken },
        });
      } catch (err) {
        throw insertFailure('embedded store rejected a batch', dataPath, err);
      }
    },
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

function openServerStore(config: VerdictConfig, url: string): Store {
  const client = createClient({
    url,
    username: config.clickhouseUser,
    password: config.clickhousePassword,
    database: config.clickhouseDatabase,
  });
  const readOnlyClient = createClient({
    url,
    username: config.clickhouseUser,
    password: config.clickhousePassword,
    database: config.clickhouseDatabase,
    clickhouse_settings: { readonly: '1' },
  });
  const shown = new URL(url);
  shown.username = '';
  shown.password = '';
  return {
    client,
    readOnlyClient,
    placement: 'server',
    location: shown.toString(),
    async insertSegment(dataPath, dedupToken) {
      let body: ReadStream | undefined;
      try {
        // Opened first: a file that cannot be opened fails this insert. Left to the stream, its
        // 'error' came while the client was still connecting, with nobody listening: a crash.
        body = (await open(dataPath)).createReadStream();
        const result = await client.exec({
          query: readSqlFile('schema/inserts/span-rows-rowbinary.sql'),
          values: body,
          query_params: { token: dedupToken },
        });
        result.stream.resume();
      } catch (err) {
        throw insertFailure('ClickHouse server rejected a batch', dataPath, err);
      } finally {
        body?.destroy();
      }
    },
    async close() {
      await Promise.all([client.close(), readOnlyClient.close()]);
    },
  };
}
