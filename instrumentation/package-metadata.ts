// Reads the app's own name and version from the nearest package.json above the working directory: the
// fallback for service.name and service.version when no variable names them.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface PackageMetadata {
  name?: string;
  version?: string;
  /** The package.json that was read. */
  path?: string;
}

export function readPackageMetadata(startDir: string): PackageMetadata {
  let dir = startDir;
  for (;;) {
    const path = join(dir, 'package.json');
    const parsed = readJson(path);
    if (parsed !== undefined) {
      // The first package.json found is the app's, even without a name: walking further up would report a
      // monorepo root or an unrelated project instead.
      return {
        name: typeof parsed.name === 'string' && parsed.name ? parsed.name : undefined,
        version: typeof parsed.version === 'string' && parsed.version ? parsed.version : undefined,
        path,
      };
    }
    const parent = dirname(dir);
    if (parent === dir) return {};
    dir = parent;
  }
}

function readJson(path: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {}; // present but unreadable: still the app's root, just without a name
  }
}
