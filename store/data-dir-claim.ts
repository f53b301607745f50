// One collector owns a data directory at a time. It claims collector.json there before it opens
// anything (created exclusively, so two collectors starting together cannot both win), then writes
// its API URL into it so the CLI knows to go through the API instead of opening the folder itself.
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CollectorLockInfo {
  pid: number;
  apiUrl: string;
  otlpHttpUrl: string;
}

export class DataDirBusyError extends Error {
  readonly code = 'DATA_DIR_BUSY';
  constructor(dataDir: string, info: CollectorLockInfo) {
    super(`data directory ${dataDir} is in use by a running collector (pid ${info.pid}, API ${info.apiUrl})`);
    this.name = 'DataDirBusyError';
  }
}

const LOCK_FILE = 'collector.json';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running collector that owns `dataDir`, if there is one. */
export function readCollectorLock(dataDir: string): CollectorLockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as CollectorLockInfo;
    return info.pid !== process.pid && alive(info.pid) ? info : undefined;
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
  const file = join(dataDir, LOCK_FILE);
  const content = (info: Omit<CollectorLockInfo, 'pid'>) => JSON.stringify({ pid: process.pid, ...info });
  // Written whole to a private file, then linked into place: the link either fails (someone holds
  // the claim) or appears with its content, so no one can read a half-written claim as a dead one.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content({ apiUrl: '', otlpHttpUrl: '' }));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = readCollectorLock(dataDir);
        if (owner) throw new DataDirBusyError(dataDir, owner);
        if (attempt > 0) throw err;
        // Left by a collector that is gone (killed, crashed): take it over.
        rmSync(file, { force: true });
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  return {
    publish: (info) => {
      // Replaced whole (rename), never seen half-written.
      writeFileSync(tmp, content(info));
      renameSync(tmp, file);
    },
    release: () => {
      if (readOwnerPid(file) === process.pid) rmSync(file, { force: true });
    },
  };
}

function readOwnerPid(file: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as CollectorLockInfo).pid;
  } catch {
    return undefined;
  }
}
