// What users' SQL may reach beyond the engine's readonly mode, checked on the engine's own parse
// tree (EXPLAIN AST, after query parameters are substituted). Functions are allowed by the
// engine's own catalogue (system.functions and its categories): whole categories that only compute
// on their arguments, and a named few from the mixed ones. Anything that reveals the host, its
// files, paths, environment or build, reaches other tables by name strings, or runs elsewhere is
// not on the list, including functions a future engine adds to those categories.

/** Categories of system.functions whose functions only compute on their arguments. */
export const ALLOWED_FUNCTION_CATEGORIES: ReadonlySet<string> = new Set([
  'Aggregate Functions', 'Arithmetic', 'Arrays', 'Bit', 'Bitmap', 'Comparison', 'Conditional', 'Dates and Times',
  'Distance', 'Encoding', 'Encryption', 'Financial', 'Geo', 'Geo Polygon', 'Hash', 'IP Address', 'JSON', 'Logical',
  'Machine Learning', 'Map', 'Mathematical', 'Null', 'NumericIndexedVector', 'QBit', 'Random Number', 'Rounding',
  'String', 'String Replacement', 'String Search', 'String Splitting', 'Time Series', 'Time Window', 'Tuple',
  'Type Conversion', 'URL', 'UUID',
]);

/**
 * Functions allowed from the mixed categories ("Other", "Internal"): they compute on their
 * arguments, describe types or the query itself, or answer what a ClickHouse client asks on
 * connecting (version, revision, displayName, which the embedded store answers with a configured
 * name). Lower case.
 */
export const ALLOWED_OTHER_FUNCTIONS: ReadonlySet<string> = new Set([
  'macnumtostring', 'macstringtonum', 'macstringtooui', 'bar', 'blocknumber', 'blockserializedsize', 'blocksize', 'bytesize',
  'coloroklabtosrgb', 'coloroklchtosrgb', 'colorsrgbtooklab', 'colorsrgbtooklch', 'countdigits', 'currentdatabase',
  'currentqueryid', 'queryid', 'initialqueryid', 'initialquerystarttime', 'defaultvalueofargumenttype',
  'defaultvalueoftypename', 'digits', 'dumpcolumnstructure', 'errorcodetoname', 'finalizeaggregation', 'flipcoordinates',
  'formatquery', 'formatqueryornull', 'formatquerysingleline', 'formatquerysinglelineornull', 'formatreadabledecimalsize',
  'formatreadablequantity', 'formatreadablesize', 'formatreadabletimedelta', 'fuzzquery', 'generaterandomstructure',
  'getsetting', 'getsettingordefault', 'getsizeofenumtype', 'getsubcolumn', 'gettypeserializationstreams', 'highlightquery',
  'icebergbucket', 'icebergtruncate', 'identity', 'ignore', 'indexhint', 'initializeaggregation', 'isconstant',
  'isdecimaloverflow', 'lowcardinalityindices', 'lowcardinalitykeys', 'materialize', 'minsamplesizecontinuous',
  'minsamplesizeconversion', 'neighbor', 'normalizequery', 'normalizequerykeepnames', 'normalizedqueryhash',
  'normalizedqueryhashkeepnames', 'obfuscatequery', 'obfuscatequerywithseed', 'parsereadablesize', 'parsereadablesizeornull',
  'parsereadablesizeorzero', 'parsetimedelta', 'partitionid', 'rownumberinallblocks', 'rownumberinblock',
  'runningaccumulate', 'runningconcurrency', 'runningdifference', 'runningdifferencestartingwithfirstvalue',
  'structuretocapnprotoschema', 'structuretoprotobufschema', 'throwif', 'tocolumntypename', 'totypename', 'tokenizequery',
  'transform', 'variantelement', 'varianttype', 'visiblewidth', 'version', 'revision', 'displayname',
  // Only slow a query down, and the time limit stops it.
  'sleep', 'sleepeachrow',
  // Internal: what the parser writes for `x::Type` and `CASE x WHEN …`.
  '_cast', 'casewithexpression',
]);

/** Function calls the parser writes for syntax, which system.functions does not list. */
export const SYNTAX_FUNCTIONS: ReadonlySet<string> = new Set(['lambda', 'untuple', 'exists', 'grouping']);

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

/** The engine's function catalogue, by lower-case name (several functions may share one). */
export interface FunctionCatalog {
  functions: ReadonlyMap<string, ReadonlyArray<{ name: string; category: string }>>;
  /** Aggregate function combinator suffixes (If, State, Merge, …), lower case. */
  combinators: readonly string[];
}

/** A refusal: ClickHouse's error name for it and the reason. */
export interface Refusal {
  error: 'READONLY' | 'ACCESS_DENIED' | 'UNKNOWN_FUNCTION';
  reason: string;
}

/** Builds the catalogue from system.functions rows (name, alias_to, categories) and the combinators. */
export function functionCatalog(rows: ReadonlyArray<[string, string, string]>, combinators: readonly string[]): FunctionCatalog {
  const categories = new Map(rows.map(([name, , category]) => [name, category]));
  const functions = new Map<string, Array<{ name: string; category: string }>>();
  for (const [name, aliasTo, category] of rows) {
    // An alias takes the category of what it stands for (aliases have none of their own).
    const entry = { name, category: aliasTo ? (categories.get(aliasTo) ?? category) : category };
    const key = name.toLowerCase();
    functions.set(key, [...(functions.get(key) ?? []), entry]);
  }
  return { functions, combinators: combinators.map((c) => c.toLowerCase()).sort((a, b) => b.length - a.length) };
}

function allowedEntry(entry: { name: string; category: string }): boolean {
  return ALLOWED_FUNCTION_CATEGORIES.has(entry.category) || ALLOWED_OTHER_FUNCTIONS.has(entry.name.toLowerCase());
}

/**
 * Why a function may not be called, or undefined when it may. `refusedHere` names functions the
 * placement cannot answer without revealing the host (lower case).
 */
export function functionRefusal(name: string, catalog: FunctionCatalog, refusedHere: ReadonlySet<string>): Refusal | undefined {
  const lower = name.toLowerCase();
  const denied = (): Refusal => ({
    error: 'ACCESS_DENIED',
    reason: `function ${name}() is not available in readonly mode: only functions that compute on their arguments are (it may read local files, or show the host, paths, environment, build or other sessions)`,
  });
  if (refusedHere.has(lower)) return denied();
  if (SYNTAX_FUNCTIONS.has(lower)) return undefined;
  const entries = catalog.functions.get(lower);
  if (entries) return entries.every(allowedEntry) ? undefined : denied();
  // An aggregate function with combinators (quantileIfOrNull = quantile + If + OrNull).
  for (let base = lower, stripped = true; stripped; ) {
    stripped = false;
    for (const suffix of catalog.combinators) {
      if (base.length > suffix.length && base.endsWith(suffix)) {
        base = base.slice(0, -suffix.length);
        stripped = true;
        const aggregate = catalog.functions.get(base);
        if (aggregate?.some((e) => e.category === 'Aggregate Functions')) return aggregate.every(allowedEntry) ? undefined : denied();
        break;
      }
    }
  }
  return { error: 'UNKNOWN_FUNCTION', reason: `function with name '${name}' does not exist or is not available in readonly mode` };
}

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
export function refusal(lines: AstLine[], catalog: FunctionCatalog, refusedHere: ReadonlySet<string>): Refusal | undefined {
  const parents: AstLine[] = [];
  for (const line of lines) {
    while (parents.length > 0 && parents[parents.length - 1].depth >= line.depth) parents.pop();
    const parent = parents[parents.length - 1];
    parents.push(line);
    const [kind, name = ''] = line.text.split(' ', 2);
    if (kind === 'Set') {
      // With the new analyzer a subquery's SETTINGS apply unchecked (it would lift readonly); users
      // change no settings anyway, so no SETTINGS clause is taken anywhere.
      return { error: 'READONLY', reason: 'SETTINGS clauses are not accepted in readonly mode' };
    }
    if (kind === 'ColumnsApplyTransformer') {
      // APPLY(f) calls a function the parse tree does not name: it could be file().
      return { error: 'READONLY', reason: 'APPLY is not accepted in readonly mode (the function it applies cannot be checked); call the function on the columns instead' };
    }
    if (kind === 'Function') {
      if (parent?.text.startsWith('TableExpression')) {
        if (!ALLOWED_TABLE_FUNCTIONS.has(name.toLowerCase())) return { error: 'ACCESS_DENIED', reason: `table function ${name}() is not available in readonly mode` };
      } else {
        const refused = functionRefusal(name, catalog, refusedHere);
        if (refused) return refused;
      }
    } else if (kind === 'Identifier' || kind === 'TableIdentifier') {
      const parts = name.split('.');
      if (parts.length >= 2 && parts[0].toLowerCase() === 'system' && !ALLOWED_SYSTEM_TABLES.has(parts[1])) {
        return {
          error: 'ACCESS_DENIED',
          reason: `system.${parts[1]} is not available in readonly mode (it may show paths, settings or other sessions' queries); system.columns and information_schema describe the tables`,
        };
      }
    }
  }
  return undefined;
}
