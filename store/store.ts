// The one interface everything stores and reads through, whatever the placement: the embedded
// engine (chDB, data in a local folder) by default, or a ClickHouse server when a URL is
// configured. Only this room knows which one it is; the rest sees a ClickHouse client.
import type { ClickHouseClient } from '@clickhouse/client';
import type { VerdictConfig } from './config.js';
import type { SettleOptions } from './settle.js';
import { openEmbeddedStore } from './embedded.js';
import { openServerStore } from './server.js';
import type { UserSqlRunner } from './user-sql.js';

export type Placement = 'embedded' | 'server';

export interface Store {
  client: ClickHouseClient;
  /**
   * A read-only connection of its own (readonly = 1), apart from the writer's and from users' SQL:
   * readiness asks it `SELECT 1`, so neither a long insert nor a users' query can hold that up.
   */
  readOnlyClient: ClickHouseClient;
  /** Users' own SQL: each query read-only in a session of its own, limited, cancellable. */
  userSql: UserSqlRunner;
  placement: Placement;
  /** Where the data lives: a folder for the embedded engine, the URL (without credentials) for a server. */
  location: string;
  /**
   * Inserts a file of RowBinary otel_traces rows (a sealed queue segment) as one batch, then
   * settles the traces it touched (store/settle.ts); a replay with the same token is not stored
   * twice.
   */
  insertSegment(dataPath: string, dedupToken: string): Promise<void>;
  /** Inserts a sealed logs-queue segment (JSON lines of otel_logs rows) as one batch; a replay with the same token is not stored twice. */
  insertLogSegment(dataPath: string, dedupToken: string): Promise<void>;
  /** Settles traces whose spans arrived by other writers (the upstream exporter) or since the last insert. */
  settle(options?: Pick<SettleOptions, 'skipIfBusy'>): Promise<void>;
  /** On a cluster: rewrites each schema statement into its replicated, distributed form (schema/cluster-ddl.ts). */
  transformDdl?: (statement: string) => string[];
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /**
   * Open only data that is already there (the CLI's read-only local mode): an embedded folder that
   * does not exist is an error instead of a new, empty store.
   */
  existingOnly?: boolean;
}

export function openStore(config: VerdictConfig, options: OpenStoreOptions = {}): Store {
  return config.clickhouseUrl ? openServerStore(config, config.clickhouseUrl) : openEmbeddedStore(config, options);
}
