// One collector owns a data directory at a time. It claims the folder before it opens anything,
// then writes its API URL into the claim so the CLI knows to go through the API instead of opening
// the folder itself.
//
// Claims are numbered files (claim-000000000001.json, …) and the highest number is the claim.
// Taking over from a dead owner means creating the next number exclusively, so of several
// contenders exactly one creates it. The highest file is never removed (release marks it released),
// so a contender acting on an old view can only create a lower number, sees it beaten, and gives up.
import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CollectorLockInfo {
  pid: number;
  apiUrl: string;
  otlpHttpUrl: string;
}

export class DataDirBusyError extends Error {
  readonly code = 'DATA_DIR_BUSY';
  constructor(dataDir: string, info: CollectorLockInfo) {
    super(`data directory ${dataDir} is in use by a running collector (pid ${info.pid}, API ${info.apiUrl || 'not listening yet'})`);
    this.name = 'DataDirBusyError';
  }
}

/** The claim file of versions before numbered claims; honoured while its process lives. */
const LEGACY_FILE = 'collector.json';
const CLAIM_RE = /^claim-(\d{12})\.json$/;
const claimFile = (n: number) => `claim-${String(n).padStart(12, '0')}.json`;

interface StoredClaim extends CollectorLockInfo {
  /** Set when its collector stopped: the file stays (it may be the highest) but claims nothing. */
  released?: boolean;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readClaim(path: string): StoredClaim | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StoredClaim;
  } catch {
    return undefined;
  }
}

/** A claim some other living process holds. */
const heldByOther = (claim: StoredClaim | undefined): claim is StoredClaim =>
  claim !== undefined && !claim.released && claim.pid !== process.pid && alive(claim.pid);

function claimNumbers(dataDir: string): number[] {
  return readdirSync(dataDir).flatMap((f) => {
    const m = CLAIM_RE.exec(f);
    return m ? [Number(m[1])] : [];
  }).sort((a, b) => a - b);
}

/** The highest claim: its number (0 when none), and what it says. */
function topClaim(dataDir: string): { n: number; claim?: StoredClaim } {
  const n = claimNumbers(dataDir).at(-1) ?? 0;
  return { n, claim: n > 0 ? readClaim(join(dataDir, claimFile(n))) : undefined };
}

/** The running collector that owns `dataDir`, if there is one (another process than this one). */
export function readCollectorLock(dataDir: string): CollectorLockInfo | undefined {
  try {
    const legacy = readClaim(join(dataDir, LEGACY_FILE));
    if (heldByOther(legacy)) return legacy;
    const { claim } = topClaim(dataDir);
    return heldByOther(claim) ? { pid: claim.pid, apiUrl: claim.apiUrl, otlpHttpUrl: claim.otlpHttpUrl } : undefined;
  } catch {
    return undefined;
  }
}

export interface DataDirClaim {
  /** Announces where the collector answers, once it does. */
  publish(info: Omit<CollectorLockInfo, 'pid'>): void;
  release(): void;
}

/**
 * Claims `dataDir` for this process: fails with DataDirBusyError while a live collector owns it, and
 * takes over a claim left by a process that died.
 */
export function claimDataDir(dataDir: string): DataDirClaim {
  mkdirSync(dataDir, { recursive: true });
  // Written whole to a private file, then linked into place: the link either fails (that number
  // is taken) or appears with its content, so no one can read a half-written claim as a dead one.
  const tmp = join(dataDir, `claim.${process.pid}.${randomUUID()}.tmp`);
  const write = (claim: StoredClaim) => writeFileSync(tmp, JSON.stringify(claim));
  write({ pid: process.pid, apiUrl: '', otlpHttpUrl: '' });
  let mine: string | undefined;
  try {
    const legacy = readClaim(join(dataDir, LEGACY_FILE));
    if (heldByOther(legacy)) throw new DataDirBusyError(dataDir, legacy);
    for (let attempt = 0; attempt < 100 && !mine; attempt++) {
      const top = topClaim(dataDir);
      if (heldByOther(top.claim)) throw new DataDirBusyError(dataDir, top.claim);
      const n = top.n + 1;
      try {
        linkSync(tmp, join(dataDir, claimFile(n)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // another contender made it: look again
        throw err;
      }
      // A higher number than ours was made by someone who saw ours, or saw past it: theirs decides.
      if (claimNumbers(dataDir).some((other) => other > n)) rmSync(join(dataDir, claimFile(n)), { force: true });
      else {
        mine = join(dataDir, claimFile(n));
        // Lower numbers are dead claims, or contenders that will see ours and give up.
        for (const older of claimNumbers(dataDir)) if (older < n) rmSync(join(dataDir, claimFile(older)), { force: true });
        rmSync(join(dataDir, LEGACY_FILE), { force: true });
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  if (!mine) throw new Error(`cannot claim the data directory ${dataDir}: it kept changing hands while trying`);
  const path = mine;
  // Replaced whole (rename), never seen half-written.
  const replace = (claim: StoredClaim) => {
    write(claim);
    renameSync(tmp, path);
  };
  return {
    publish: (info) => replace({ pid: process.pid, ...info }),
    release: () => {
      if (readClaim(path)?.pid === process.pid) replace({ pid: process.pid, apiUrl: '', otlpHttpUrl: '', released: true });
    },
  };
}
