// What users' SQL may reach beyond the engine's readonly mode: the embedded engine runs as
// clickhouse-local, where the file() function reads any path and system tables show the data
// directory, and no setting or grant turns that off. Checked on the engine's own parse tree.

/**
 * Scalar functions refused (lower-case, with their aliases): they read local files or show the
 * host, its disks or the server's configuration. In clickhouse-local, file() skips the
 * user_files_path check a server makes, so it would read the keys file or the queue.
 */
export const REFUSED_FUNCTIONS: ReadonlySet<string> = new Set([
  'file',
  'filesystemavailable',
  'filesystemcapacity',
  'filesystemunreserved',
  'getserversetting',
  'getserverport',
  'getmacro',
  'hostname',
  'fqdn',
  'fullhostname',
  'serveruuid',
  'tcpport',
  'getoskernelversion',
  'catboostevaluate',
  'getclienthttpheader',
  // Introspection (also off by setting on the read-only session).
  'addresstoline',
  'addresstolinewithinlines',
  'addresstosymbol',
  'demangle',
]);

/**
 * Table functions allowed: they only generate rows. Everything else is refused, including those
 * readonly = 1 lets through that reach other tables by name strings (merge(), loop()).
 */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'generaterandom',
  'generate_series',
  'generateseries',
  'values',
  'view',
  'null',
]);

/**
 * Tables of the `system` database allowed; the others show paths (disks, tables, databases,
 * parts), server settings, or other sessions' queries and errors (processes, errors).
 * information_schema (tables and columns, no paths) stays open for schema discovery.
 */
export const ALLOWED_SYSTEM_TABLES: ReadonlySet<string> = new Set([
  'one',
  'numbers',
  'numbers_mt',
  'zeros',
  'zeros_mt',
  'columns',
  'functions',
  'data_type_families',
  'time_zones',
]);

/** One node of `EXPLAIN AST` output: its depth and its text (`Function file (alias x) (children 1)`). */
export interface AstLine {
  depth: number;
  text: string;
}

/** Parses `EXPLAIN AST` rows (one node per row, one space of indentation per level). */
export function astLines(rows: string[]): AstLine[] {
  return rows.map((row) => {
    const text = row.trimStart();
    return { depth: row.length - text.length, text };
  });
}

/** The first reason the parse tree is refused, or undefined when it may run. */
export function refusal(lines: AstLine[]): string | undefined {
  const parents: AstLine[] = [];
  for (const line of lines) {
    while (parents.length > 0 && parents[parents.length - 1].depth >= line.depth) parents.pop();
    const parent = parents[parents.length - 1];
    parents.push(line);
    const [kind, name = ''] = line.text.split(' ', 2);
    if (kind === 'Function') {
      const lower = name.toLowerCase();
      if (parent?.text.startsWith('TableExpression')) {
        if (!ALLOWED_TABLE_FUNCTIONS.has(lower)) return `table function ${name}() is not available in readonly mode`;
      } else if (REFUSED_FUNCTIONS.has(lower)) {
        return `function ${name}() is not available in readonly mode: it reads local files or shows the host`;
      }
    } else if (kind === 'Identifier' || kind === 'TableIdentifier') {
      const parts = name.split('.');
      if (parts.length >= 2 && parts[0].toLowerCase() === 'system' && !ALLOWED_SYSTEM_TABLES.has(parts[1])) {
        return `system.${parts[1]} is not available in readonly mode (it may show paths, settings or other sessions' queries); system.columns and information_schema describe the tables`;
      }
    }
  }
  return undefined;
}
