// Where users' own SQL runs, apart from ingest, inserts, readiness and the built-in questions:
// each query in a session of its own, read-only, under per-query limits the engine enforces, a
// bounded number at a time, and cancelled in the engine when its caller goes away or the collector
// stops. The placements implement it (user-sql-embedded.ts, user-sql-server.ts).
import type { VerdictConfig } from './config.js';

/** Per-query limits on users' SQL, from the collector's settings. */
export interface UserSqlLimits {
  /** Longest a query may run (max_execution_time). */
  timeoutMs: number;
  /** Memory one query may use (max_memory_usage). */
  maxMemoryBytes: number;
  /** Rows and uncompressed bytes one query may read from tables (max_rows_to_read, max_bytes_to_read). */
  maxRowsRead: number;
  maxBytesRead: number;
  /** Size of one answer (max_result_rows, max_result_bytes). */
  maxResultRows: number;
  maxResultBytes: number;
  /** Engine threads one query may use (max_threads): the rest stay with ingest. */
  maxThreads: number;
  /** Users' queries running at once; more wait in line (and leave it when their caller goes). */
  maxConcurrent: number;
}

export interface UserSqlCall {
  /**
   * Query parameters for `{name:Type}` placeholders, as ClickHouse's HTTP interface takes them
   * (`param_<name>`): text in the engine's escaped format, bound by the engine.
   */
  params?: Readonly<Record<string, string>>;
  /** The engine's output format (`JSON`, `TabSeparated`, `Native`, …). */
  format: string;
  /** For Native: the client's protocol revision (`client_protocol_version`); 0 or absent for plain Native. */
  nativeRevision?: number;
  /** The database unqualified names refer to (one that holds data, never `system`). */
  database?: string;
  /** A shorter time limit the caller asked for; never longer than the configured one. */
  timeoutMs?: number;
  /** Aborting it stops the query in the engine (the caller went away). */
  signal?: AbortSignal;
  /** The statement's answer comes whole, not as a stream (SHOW, DESCRIBE, EXPLAIN, small answers). */
  whole?: boolean;
}

/** A query's failure as the engine reports it: ClickHouse's code, name and message. */
export class UserSqlError extends Error {
  readonly code = 'USER_SQL_ERROR';
  constructor(
    message: string,
    /** ClickHouse's error code (164 READONLY, 159 TIMEOUT_EXCEEDED, …). */
    readonly clickhouseCode: number,
    /** ClickHouse's error name (`READONLY`, `TIMEOUT_EXCEEDED`, …). */
    readonly clickhouseName: string,
  ) {
    super(message);
    this.name = 'UserSqlError';
  }
}

export interface UserSqlRunner {
  /** The engine's output of one statement, chunk by chunk (for Native, whole blocks). */
  stream(statement: string, call: UserSqlCall): AsyncIterable<Uint8Array>;
  /** The whole output of one statement, for small answers (the sandbox's own checks). */
  text(statement: string, call: UserSqlCall): Promise<string>;
  /**
   * Functions this placement cannot answer without revealing the host: on the embedded engine
   * displayName() answers the configured name; a server answers its own.
   */
  readonly hostRevealingFunctions: ReadonlySet<string>;
  /** Stops every running users' query in the engine and refuses new ones (shutdown). */
  close(): Promise<void>;
}

/** ClickHouse's errors for what the runner itself refuses or stops. */
export const USER_SQL_ERRORS = {
  queryWasCancelled: (why: string) => new UserSqlError(`Code: 394. DB::Exception: Query was cancelled: ${why}. (QUERY_WAS_CANCELLED)`, 394, 'QUERY_WAS_CANCELLED'),
  shuttingDown: () => new UserSqlError('Code: 210. DB::Exception: the collector is shutting down; users\' queries are stopped. (NETWORK_ERROR)', 210, 'NETWORK_ERROR'),
} as const;

/** Settings that carry the limits to the engine (the same on every placement). */
export function limitSettings(limits: UserSqlLimits, timeoutMs: number): Record<string, string | number> {
  return {
    max_execution_time: timeoutMs / 1000,
    timeout_overflow_mode: 'throw',
    max_memory_usage: limits.maxMemoryBytes,
    max_rows_to_read: limits.maxRowsRead,
    max_bytes_to_read: limits.maxBytesRead,
    read_overflow_mode: 'throw',
    max_result_rows: limits.maxResultRows,
    max_result_bytes: limits.maxResultBytes,
    result_overflow_mode: 'throw',
    max_threads: limits.maxThreads,
  };
}

/** The time limit of one call: the configured one, or less when the caller asked for less. */
export function callTimeoutMs(limits: UserSqlLimits, call: UserSqlCall): number {
  const asked = call.timeoutMs;
  return asked !== undefined && asked > 0 ? Math.min(asked, limits.timeoutMs) : limits.timeoutMs;
}

/** Why a users' query ended early, as the caller should hear it: shutdown, its client gone, or the engine's error. */
export function failureOf(err: unknown, closed: boolean, signal: AbortSignal | undefined): UserSqlError {
  if (closed) return USER_SQL_ERRORS.shuttingDown();
  if (signal?.aborted) return USER_SQL_ERRORS.queryWasCancelled('the client went away');
  return engineError(err);
}

/** A whole answer as text. */
export async function textOf(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all).toString('utf8');
}

/** Parses an engine error (`Code: 164. DB::Exception: … (READONLY)`) into a UserSqlError. */
export function engineError(err: unknown): UserSqlError {
  if (err instanceof UserSqlError) return err;
  const message = String((err as Error)?.message ?? err).replace(/^Query failed: /, '');
  const code = /Code: (\d+)\./.exec(message);
  const name = /\(([A-Z_]+)\)(?:\s*\(version [^)]*\))?\s*$/.exec(message.trim());
  return new UserSqlError(message.trim(), code ? Number(code[1]) : 1002, name ? name[1] : 'UNKNOWN_EXCEPTION');
}

/**
 * A line of users' queries: at most `max` run at once, the rest wait without holding anything
 * (no engine session, no worker thread) and leave the line when their caller aborts.
 */
export function concurrencyGate(max: number): { acquire(signal?: AbortSignal): Promise<() => void>; close(): void } {
  let running = 0;
  let closed = false;
  const waiting: Array<{ admit: () => void; reject: (err: Error) => void }> = [];
  const release = () => {
    running--;
    const next = waiting.shift();
    if (next) next.admit();
  };
  return {
    acquire(signal) {
      if (closed) return Promise.reject(USER_SQL_ERRORS.shuttingDown());
      if (signal?.aborted) return Promise.reject(USER_SQL_ERRORS.queryWasCancelled('the client went away'));
      if (running < max) {
        running++;
        return Promise.resolve(once(release));
      }
      return new Promise((resolve, reject) => {
        const entry = {
          admit: () => {
            signal?.removeEventListener('abort', onAbort);
            running++;
            resolve(once(release));
          },
          reject,
        };
        const onAbort = () => {
          const i = waiting.indexOf(entry);
          if (i >= 0) waiting.splice(i, 1);
          reject(USER_SQL_ERRORS.queryWasCancelled('the client went away while it waited for its turn'));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.push(entry);
      });
    },
    close() {
      closed = true;
      for (const entry of waiting.splice(0)) entry.reject(USER_SQL_ERRORS.shuttingDown());
    },
  };
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

/** The limits as the collector's settings declare them. */
export function userSqlLimits(config: VerdictConfig): UserSqlLimits {
  return {
    timeoutMs: config.sqlTimeoutMs,
    maxMemoryBytes: config.sqlMaxMemoryBytes,
    maxRowsRead: config.sqlMaxRowsRead,
    maxBytesRead: config.sqlMaxBytesRead,
    maxResultRows: config.sqlMaxResultRows,
    maxResultBytes: config.sqlMaxResultBytes,
    maxThreads: config.sqlMaxThreads,
    maxConcurrent: config.sqlMaxConcurrent,
  };
}
