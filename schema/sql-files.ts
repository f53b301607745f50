// Reads the project's .sql files (schema migrations, inserts, queries) from the package folder,
// whether the code runs from TypeScript sources or from the compiled dist/ tree.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schema', 'migrations'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('verdict: cannot find the package folder holding schema/migrations');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();

const cache = new Map<string, string>();

/** The text of a .sql file, by its path relative to the package root (e.g. `queries/compare.sql`). */
export function readSqlFile(relativePath: string): string {
  let text = cache.get(relativePath);
  if (text === undefined) {
    text = stripComments(readFileSync(join(PACKAGE_ROOT, relativePath), 'utf8'));
    cache.set(relativePath, text);
  }
  return text;
}

/**
 * The text of a .sql file with each `{{placeholder}}` replaced by its fragment. Fragments are
 * structure made by Verdict's own code (column lists, compiled filters), never user input, which
 * travels only as query parameters. Every placeholder must be given; extra fragments are ignored.
 */
export function renderSqlFile(relativePath: string, fragments: Record<string, string> = {}): string {
  return readSqlFile(relativePath).replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const fragment = fragments[key];
    if (fragment === undefined) throw new Error(`${relativePath}: no fragment given for {{${key}}}`);
    return fragment;
  });
}

/** The .sql files of a folder relative to the package root, sorted by name. */
export function listSqlFiles(relativeDir: string): string[] {
  return readdirSync(join(PACKAGE_ROOT, relativeDir))
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => join(relativeDir, f));
}

/** Splits a file into statements on semicolons that end a line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function stripComments(sql: string): string {
  // Whole-line comments only: `--` inside string literals must survive.
  return sql
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n')
    .trim();
}
