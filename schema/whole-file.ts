// Small state files a collector keeps in its data directory (lock holders, the carried feedback
// window, the alert outbox), written whole: to a temporary name, synced, renamed over the old one,
// and the directory synced, so a crash or a power loss leaves the old file or the new one, never a part.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Where a file is written before it is renamed into place: per process, as two may share a directory. */
function temporaryOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** Writes `text` to `path` whole (see above), creating its directory. */
export async function writeFileWhole(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryOf(path);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  await syncDirectory(dirname(path));
}

/** writeFileWhole for callers that must not yield (the outbox's enqueue returns the message it wrote). */
export function writeFileWholeSync(path: string, text: string): void {
  const tmp = temporaryOf(path);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDirectorySync(dirname(path));
}

/** Makes a rename or an unlink in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function syncDirectorySync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
