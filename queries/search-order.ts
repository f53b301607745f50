// search's order: MLflow's search_traces `order_by` (`timestamp_ms DESC`, `execution_time_ms`, …,
// several separated by commas), compiled to an ORDER BY over settled traces and to the keyset
// condition that starts the next page after the last row of this one. As in MLflow, the order ends
// with `timestamp_ms DESC` and `request_id ASC` unless given, so that every order is total.
import { nearest } from './filter-fields.js';
import { QueryInputError, type QueryParams } from './run-query.js';

export interface SortKey {
  /** The canonical MLflow name (`timestamp_ms`, `execution_time_ms`, …) or Verdict's (`version`, …). */
  name: string;
  descending: boolean;
}

interface Column {
  /** SQL over a verdict_traces_live row. */
  expr: string;
  /** ClickHouse type of the cursor's value, and the SQL that turns the parameter into `expr`'s type. */
  type: 'Int64' | 'UInt64' | 'String';
  wrap?: (param: string) => string;
  /** The value as selected by search.sql, to put in the cursor. */
  field: string;
}

const COLUMNS: Record<string, Column> = {
  timestamp_ms: { expr: 'Start', type: 'Int64', wrap: (p) => `fromUnixTimestamp64Nano(${p})`, field: 'start_ns' },
  execution_time_ms: { expr: 'RequestDuration', type: 'UInt64', field: 'duration_ns' },
  status: { expr: 'RequestStatus', type: 'String', field: 'status' },
  name: { expr: 'RequestName', type: 'String', field: 'name' },
  request_id: { expr: 'TraceId', type: 'String', field: 'trace_id' },
  version: { expr: 'AppVersion', type: 'String', field: 'version' },
  environment: { expr: 'Environment', type: 'String', field: 'environment' },
  session: { expr: 'SessionId', type: 'String', field: 'session_id' },
  user: { expr: 'UserId', type: 'String', field: 'user_id' },
  service: { expr: 'ServiceName', type: 'String', field: 'service' },
};

/** Every accepted spelling (after an optional `attributes.` / `attribute.` / `trace.`) and its column. */
const ALIASES: Record<string, string> = {
  timestamp_ms: 'timestamp_ms',
  timestamp: 'timestamp_ms',
  execution_time_ms: 'execution_time_ms',
  execution_time: 'execution_time_ms',
  duration_ms: 'execution_time_ms',
  status: 'status',
  name: 'name',
  request_id: 'request_id',
  trace_id: 'request_id',
  version: 'version',
  environment: 'environment',
  env: 'environment',
  session: 'session',
  session_id: 'session',
  user: 'user',
  user_id: 'user',
  service: 'service',
};

/** MLflow keys that Verdict cannot order by, with the reason. */
const UNSUPPORTED: Record<string, string> = {
  run_id: 'the run id is an attribute of the request span, not a column of the trace',
  experiment_id: 'Verdict has no experiments',
};

export const DEFAULT_ORDER: SortKey[] = [{ name: 'timestamp_ms', descending: true }];

/** Parses `timestamp_ms DESC, attributes.execution_time_ms` into keys (tie-breakers appended). */
export function parseOrderBy(orderBy: string | undefined): SortKey[] {
  const keys: SortKey[] = [];
  for (const item of (orderBy ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:(attributes|attribute|trace)\.)?`?([A-Za-z_]+)`?(?:\s+(ASC|DESC))?$/i.exec(item);
    const name = m?.[2].toLowerCase();
    const canonical = name === undefined ? undefined : ALIASES[name];
    if (!m || !canonical) {
      if (name && UNSUPPORTED[name]) throw new QueryInputError(`orderBy: cannot order by ${name}: ${UNSUPPORTED[name]}`);
      const near = name ? nearest(name, Object.keys(ALIASES)) : undefined;
      throw new QueryInputError(
        `orderBy: ${JSON.stringify(item)} is not a key with an optional ASC or DESC${near ? `; did you mean ${near}?` : ''} ` +
          `(keys: ${Object.keys(ALIASES).join(', ')}, also after attributes. or trace.)`,
      );
    }
    if (keys.some((k) => k.name === canonical)) throw new QueryInputError(`orderBy: ${canonical} is given twice`);
    keys.push({ name: canonical, descending: m[3]?.toUpperCase() === 'DESC' });
  }
  if (!keys.some((k) => k.name === 'timestamp_ms')) keys.push({ name: 'timestamp_ms', descending: true });
  if (!keys.some((k) => k.name === 'request_id')) keys.push({ name: 'request_id', descending: false });
  return keys;
}

/** The ORDER BY list for search.sql. */
export function orderSql(keys: SortKey[]): string {
  return keys.map((k) => `${COLUMNS[k.name].expr} ${k.descending ? 'DESC' : 'ASC'}`).join(', ');
}

/** A short, stable text of the order, kept in the cursor so a cursor is only used with its order. */
export function orderText(keys: SortKey[]): string {
  return keys.map((k) => `${k.name}${k.descending ? '-' : '+'}`).join(',');
}

/** The values of the sort keys on a result row (as search.sql selects them), for the cursor. */
export function cursorValues(keys: SortKey[], row: Record<string, unknown>): string[] {
  return keys.map((k) => String(row[COLUMNS[k.name].field]));
}

/**
 * The condition for rows after the cursor in this order: (k1 after v1) OR (k1 = v1 AND k2 after v2)
 * OR …, each value a parameter.
 */
export function afterSql(keys: SortKey[], values: string[] | undefined): { sql: string; params: QueryParams } {
  if (!values) return { sql: '1', params: {} };
  const params: QueryParams = {};
  const value = (i: number) => {
    const c = COLUMNS[keys[i].name];
    params[`after_${i}`] = values[i];
    const p = `{after_${i}:${c.type}}`;
    return c.wrap ? c.wrap(p) : p;
  };
  const terms = keys.map((k, i) => {
    const equal = keys.slice(0, i).map((e, j) => `${COLUMNS[e.name].expr} = ${value(j)}`);
    return `(${[...equal, `${COLUMNS[k.name].expr} ${k.descending ? '<' : '>'} ${value(i)}`].join(' AND ')})`;
  });
  return { sql: `(${terms.join(' OR ')})`, params };
}

/** Checks a decoded cursor's values against the order's types (a cursor is user input). */
export function validCursorValues(keys: SortKey[], values: unknown): values is string[] {
  return (
    Array.isArray(values) &&
    values.length === keys.length &&
    values.every((v, i) => typeof v === 'string' && (COLUMNS[keys[i].name].type === 'String' || /^-?\d{1,20}$/.test(v)))
  );
}
