// A lock that collectors sharing one ClickHouse server (or cluster) take through the server itself:
// claiming a generation of the lock is a statement only one caller can win, the holder heartbeats
// by the server's clock, and a holder silent past its lease is replaced by claiming the next generation.
import type { ClickHouseClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { createHolderFile, type HolderFile } from './lease-holders.js';
import { readSqlFile, renderSqlFile } from './sql-files.js';

export interface LeaseLockOptions {
  /** Lower-case letters and underscores: part of a table name. */
  name: string;
  /** A holder silent this long (server time) is taken to be dead. */
  leaseMs: number;
  /** On a cluster, claims go to a KeeperMap table every replica sees (needs keeper_map_path_prefix). */
  cluster?: string;
  /** How often a waiting caller looks again (default: a quarter of the lease, at most 250 ms). */
  pollMs?: number;
  /**
   * A file in the collector's data directory (lease-holders.ts) recording the holders it claimed with.
   * After a restart, a generation an earlier run of this collector still holds is its own: taken
   * back at once (once that run's statements have ended) instead of after a lease.
   */
  holderFile?: string;
  /** This process's run in the holder file (default: one per process; tests stand in a restart). */
  run?: string;
  /**
   * A lock this one gives way to: while someone alive holds it, this one is not taken. Settle runs
   * back to back would otherwise starve a migration waiting for the settle lock (the lock is not
   * fair: a waiter only looks every pollMs, and a busy settler lets go and takes it again at once).
   */
  yieldTo?: LeaseLock;
}

export interface LeaseLock {
  /** This caller's name in the lock (a random UUID per lock object). */
  readonly holder: string;
  /** Waits until this caller holds the lock (or the signal aborts). */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Takes the lock if nobody else holds it; false at once otherwise. */
  tryAcquire(): Promise<boolean>;
  /** Whether someone alive other than this caller holds it now (one look; nothing is claimed). */
  heldByOther(): Promise<boolean>;
  /** Lets go; the next caller claims the next generation at once. */
  release(): Promise<void>;
  /** Whether this caller still holds it (false once another took it over after a silence). */
  held(): boolean;
  /**
   * Asks the server whether this caller still holds the newest generation; throws LockLostError if
   * not. Run before each write: a holder whose beats were late (a stalled process, a busy server)
   * may have been replaced, and must not write beside its successor.
   */
  confirm(): Promise<void>;
  /**
   * A query id for a statement run under the lock: a holder taking over after a silence waits for
   * statements carrying the dead holder's ids to end.
   */
  queryId(): string;
  /** Stops heartbeating without letting go: what a crash looks like to the others (tests). */
  abandon(): void;
}

export class LockLostError extends Error {
  readonly code = 'LOCK_LOST';
  constructor(name: string) {
    super(`lost the ${name} lock: this collector was silent longer than its lease and another took over`);
    this.name = 'LockLostError';
  }
}

interface Generation {
  lock: string;
  generation: number;
  holder: string;
}

/** The statements of one way of storing claims: tables on one server, or KeeperMap on a cluster. */
interface ClaimStore {
  prepare(): Promise<void>;
  list(prefix: string): Promise<Array<{ lock: string; holder: string }>>;
  /** True when this call created the claim. */
  claim(lock: string, holder: string): Promise<boolean>;
  silence(lock: string): Promise<{ silentMs: number; released: boolean }>;
  beat(lock: string, holder: string, released: boolean): Promise<void>;
  drop(lock: string): Promise<void>;
}

const HOLDER_RE = /^[0-9a-f-]{36}$/;

export function createLeaseLock(client: ClickHouseClient, options: LeaseLockOptions): LeaseLock {
  if (!/^[a-z_]+$/.test(options.name)) throw new Error(`lock name must be lower-case letters and underscores, got ${JSON.stringify(options.name)}`);
  if (!(options.leaseMs >= 100)) throw new Error(`lock lease must be at least 100 ms, got ${options.leaseMs}`);
  const holder = randomUUID();
  const prefix = `verdict_lock_${options.name}_`;
  const store = options.cluster ? keeperClaims(client, options.cluster) : tableClaims(client);
  const pollMs = options.pollMs ?? Math.min(250, Math.floor(options.leaseMs / 4));
  const processes = options.cluster ? `clusterAllReplicas('${options.cluster.replace(/'/g, '')}', system.processes)` : 'system.processes';
  const holders: HolderFile | undefined = options.holderFile ? createHolderFile(options.holderFile, options.run) : undefined;
  let prepared = false;
  let mine: Generation | undefined;
  let lost = false;
  let beating: NodeJS.Timeout | undefined;

  async function generations(): Promise<Generation[]> {
    const rows = await store.list(prefix);
    return rows
      .flatMap((r) => {
        const generation = Number(r.lock.slice(prefix.length));
        return Number.isSafeInteger(generation) ? [{ ...r, generation }] : [];
      })
      .sort((a, b) => b.generation - a.generation);
  }

  function startBeating(g: Generation): void {
    mine = g;
    lost = false;
    beating = setInterval(() => {
      void (async () => {
        // Another generation above ours: we were silent too long and were replaced.
        const [top] = await generations();
        if (top && top.generation !== g.generation) {
          lost = true;
          stopBeating();
          return;
        }
        await store.beat(g.lock, holder, false);
      })().catch(() => {
        // A missed beat is retried on the next one; a long outage ends in a takeover, which the
        // next beat notices.
      });
    }, Math.max(50, Math.floor(options.leaseMs / 3)));
    beating.unref();
  }

  function stopBeating(): void {
    if (beating) clearInterval(beating);
    beating = undefined;
  }

  /** Claims the generation after `top`; true if this caller won it and it is the newest. */
  async function claimAfter(top: Generation | undefined): Promise<boolean> {
    const generation = (top?.generation ?? 0) + 1;
    const lock = `${prefix}${generation}`;
    if (!(await store.claim(lock, holder))) return false;
    // A caller that read the generations long ago may have claimed one that was since dropped:
    // only the newest generation holds the lock.
    const [newest] = await generations();
    if (newest?.generation !== generation || newest.holder !== holder) return false;
    startBeating({ lock, generation, holder });
    // Recorded before any statement runs under it: a crash from here on is reclaimed at the restart.
    // (A file that cannot be written leaves a restart to the lease, as before.)
    await holders?.record(options.name, holder).catch(() => {});
    if (top && top.generation > 1) await store.drop(`${prefix}${top.generation - 1}`).catch(() => {});
    return true;
  }

  async function waitForStatementsOf(dead: string): Promise<void> {
    const query = renderSqlFile('schema/lock/running-statements.sql', { processes });
    for (;;) {
      const result = await client.query({ query, query_params: { prefix: `verdict-${dead}-` }, format: 'JSONEachRow' });
      const [row] = await result.json<{ n: number | string }>();
      if (Number(row?.n ?? 0) === 0) return;
      await delay(pollMs);
    }
  }

  async function prepare(): Promise<void> {
    if (prepared) return;
    await store.prepare();
    prepared = true;
  }

  /** One look at the lock: true if this caller now holds it, false if someone alive does. */
  async function attempt(): Promise<boolean> {
    await prepare();
    if (options.yieldTo && (await options.yieldTo.heldByOther())) return false;
    const [top] = await generations();
    if (!top) return claimAfter(undefined);
    if (top.holder === holder) {
      if (mine?.generation === top.generation) return true;
      // Ours, but let go without the server hearing it (the release failed in an outage): nobody
      // else may use it, so this caller moves on to the next generation without waiting a lease.
      return claimAfter(top);
    }
    const { silentMs, released } = await store.silence(top.lock);
    if (released) return claimAfter(top);
    // Held by an earlier run of this collector, which a restart ended: this collector's own lock.
    if (holders && (await holders.earlier(options.name)).has(top.holder)) {
      if (!(await claimAfter(top))) return false;
      await waitForStatementsOf(top.holder);
      return true;
    }
    if (silentMs <= options.leaseMs) return false;
    if (!(await claimAfter(top))) return false;
    await waitForStatementsOf(top.holder);
    return true;
  }

  return {
    holder,
    async acquire(signal) {
      for (;;) {
        signal?.throwIfAborted();
        if (await attempt()) return;
        await delay(pollMs, signal);
      }
    },
    tryAcquire: () => attempt(),
    async heldByOther() {
      await prepare();
      const [top] = await generations();
      if (!top || top.holder === holder) return false;
      const { silentMs, released } = await store.silence(top.lock);
      return !released && silentMs <= options.leaseMs;
    },
    async release() {
      const g = mine;
      stopBeating();
      mine = undefined;
      if (g && !lost) await store.beat(g.lock, holder, true);
    },
    held: () => mine !== undefined && !lost,
    async confirm() {
      const [top] = await generations();
      if (!mine || lost || top?.generation !== mine.generation || top.holder !== holder) {
        lost = true;
        stopBeating();
        throw new LockLostError(options.name);
      }
    },
    queryId: () => {
      if (lost) throw new LockLostError(options.name);
      return `verdict-${holder}-${randomUUID()}`;
    },
    abandon: () => stopBeating(),
  };
}

function tableClaims(client: ClickHouseClient): ClaimStore {
  return {
    async prepare() {},
    async list(prefix) {
      const result = await client.query({ query: readSqlFile('schema/lock/generations-table.sql'), query_params: { prefix }, format: 'JSONEachRow' });
      return result.json<{ lock: string; holder: string }>();
    },
    async claim(lock, holder) {
      if (!HOLDER_RE.test(holder)) throw new Error(`bad lock holder ${holder}`);
      await client.command({ query: renderSqlFile('schema/lock/claim-table.sql', { table: lock, holder }) });
      const rows = await this.list(lock);
      return rows.some((r) => r.lock === lock && r.holder === holder);
    },
    async silence(lock) {
      const result = await client.query({ query: renderSqlFile('schema/lock/silence-table.sql', { table: lock }), format: 'JSONEachRow' });
      const [row] = await result.json<{ silent_ms: number | string; released: number | string }>();
      return { silentMs: Number(row?.silent_ms ?? 0), released: Number(row?.released ?? 0) === 1 };
    },
    async beat(lock, _holder, released) {
      await client.command({ query: renderSqlFile('schema/lock/beat-table.sql', { table: lock }), query_params: { released: released ? 1 : 0 } });
    },
    async drop(lock) {
      await client.command({ query: renderSqlFile('schema/lock/drop-table.sql', { table: lock }) });
    },
  };
}

function keeperClaims(client: ClickHouseClient, cluster: string): ClaimStore {
  return {
    async prepare() {
      await client.command({ query: renderSqlFile('schema/lock/keeper-map.sql', { cluster: cluster.replace(/'/g, '') }) });
    },
    async list(prefix) {
      const result = await client.query({ query: readSqlFile('schema/lock/generations-keeper.sql'), query_params: { prefix }, format: 'JSONEachRow' });
      return result.json<{ lock: string; holder: string }>();
    },
    async claim(lock, holder) {
      try {
        await client.command({ query: readSqlFile('schema/lock/claim-keeper.sql'), query_params: { lock, holder } });
        return true;
      } catch (err) {
        // KEEPER_EXCEPTION (999) "Value for key … already exists": another caller won.
        if (/already exists/i.test((err as Error).message)) return false;
        throw err;
      }
    },
    async silence(lock) {
      const result = await client.query({ query: readSqlFile('schema/lock/silence-keeper.sql'), query_params: { lock }, format: 'JSONEachRow' });
      const [row] = await result.json<{ silent_ms: number | string; released: number | string }>();
      return { silentMs: Number(row?.silent_ms ?? 0), released: Number(row?.released ?? 0) === 1 };
    },
    async beat(lock, holder, released) {
      await client.command({ query: readSqlFile('schema/lock/beat-keeper.sql'), query_params: { lock, holder, released: released ? 1 : 0 } });
    },
    async drop(lock) {
      await client.command({ query: readSqlFile('schema/lock/drop-keeper.sql'), query_params: { lock } });
    },
  };
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
