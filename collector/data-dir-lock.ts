// One collector owns an embedded data directory at a time. It leaves collector.json there (pid and
// API URL) so the CLI knows to go through its API instead of opening the folder itself.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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

export function assertDataDirFree(dataDir: string): void {
  const owner = readCollectorLock(dataDir);
  if (owner) throw new DataDirBusyError(dataDir, owner);
}

export function writeCollectorLock(dataDir: string, info: Omit<CollectorLockInfo, 'pid'>): () => void {
  const file = join(dataDir, LOCK_FILE);
  writeFileSync(file, JSON.stringify({ pid: process.pid, ...info }));
  return () => rmSync(file, { force: true });
}
