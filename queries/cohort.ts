// The SQL conditions that select a question's traces. A *scope* (service, environment, time range)
// applies to every settled trace (verdict_traces_live); a *cohort* (one side of a comparison) is a
// version, a filter, or both. Conditions that need raw spans (attributes, span.*) reach them through
// a sub-query under the scope's *span* conditions. Every value is a query parameter.
import { compileFilter, compileFilters, type CompiledFilter } from './filter-compiler.js';
import type { QueryParams } from './run-query.js';
import type { TimeRange } from './time-range.js';

export interface Scope {
  service?: string;
  environment?: string;
  range: TimeRange;
}

export interface CohortSpec {
  /** AppVersion (the trace's version) to match. */
  version?: string;
  /** A filter in Verdict's filter language, evaluated on the trace and its request span. */
  filter?: string;
}

export interface ScopeSql {
  /** Condition on a settled trace row (its facts and its start). */
  sql: string;
  /**
   * Condition on the raw spans of the scope's traces (service and time; the environment is a trace
   * fact, so it is not here), for sub-queries into otel_traces.
   */
  spans: string;
  params: QueryParams;
}

export interface CohortSql {
  /** Condition on a settled trace row, added to the scope. */
  sql: string;
  params: QueryParams;
}

/** Spans of a trace start before its end: a trace started in the range may have spans up to this long after it. */
const TRACE_SPAN_MARGIN = 'INTERVAL 1 HOUR';

export function scopeSql(scope: Scope, prefix = ''): ScopeSql {
  const time = [
    `Start >= fromUnixTimestamp64Milli({${prefix}from_ms:Int64})`,
    `Start < fromUnixTimestamp64Milli({${prefix}to_ms:Int64})`,
  ];
  const spanTime = [
    `Timestamp >= fromUnixTimestamp64Milli({${prefix}from_ms:Int64})`,
    `Timestamp < fromUnixTimestamp64Milli({${prefix}to_ms:Int64}) + ${TRACE_SPAN_MARGIN}`,
  ];
  const params: QueryParams = { [`${prefix}from_ms`]: scope.range.fromMs, [`${prefix}to_ms`]: scope.range.toMs };
  const facts: string[] = [];
  const service: string[] = [];
  if (scope.service) {
    service.push(`ServiceName = {${prefix}service:String}`);
    params[`${prefix}service`] = scope.service;
  }
  if (scope.environment !== undefined) {
    facts.push(`Environment = {${prefix}environment:String}`);
    params[`${prefix}environment`] = scope.environment;
  }
  return { sql: [...service, ...facts, ...time].join(' AND '), spans: [...service, ...spanTime].join(' AND '), params };
}

/** `prefix` keeps two cohorts apart in one query (`b_`, `c_`). */
export function cohortSql(cohort: CohortSpec, scope: ScopeSql, prefix: string): CohortSql {
  const compiled = cohort.filter ? compileFilter(cohort.filter, { paramPrefix: prefix, spanScope: scope.spans, versions: versionsOf(cohort) }) : undefined;
  return withVersion(cohort, prefix, compiled);
}

/**
 * Cohorts that one statement reads together (compare's sides, prefixes `b_`, `c_`): as cohortSql
 * each, but their filters' conditions on raw spans are read by one scan for all of them
 * (compileFilters), not one each. The SQL of each refers to the parameters of all: a statement
 * takes them all.
 */
export function cohortsSql(cohorts: Array<{ cohort: CohortSpec; prefix: string }>, scope: ScopeSql): CohortSql[] {
  const filtered = cohorts.filter((c) => c.cohort.filter);
  const compiled = compileFilters(filtered.map((c) => ({ filter: c.cohort.filter as string, paramPrefix: c.prefix, versions: versionsOf(c.cohort) })), scope.spans);
  return cohorts.map((c) => withVersion(c.cohort, c.prefix, c.cohort.filter ? compiled[filtered.indexOf(c)] : undefined));
}

const versionsOf = (cohort: CohortSpec) => (cohort.version !== undefined ? [cohort.version] : undefined);

function withVersion(cohort: CohortSpec, prefix: string, compiled: CompiledFilter | undefined): CohortSql {
  const parts: string[] = [];
  const params: QueryParams = {};
  if (cohort.version !== undefined) {
    parts.push(`AppVersion = {${prefix}version:String}`);
    params[`${prefix}version`] = cohort.version;
  }
  if (compiled) {
    parts.push(compiled.sql);
    Object.assign(params, compiled.params);
  }
  return { sql: parts.join(' AND ') || '1', params };
}

/** A filter for questions with one population (search, versions, error rate): a trace-row condition. */
export function filterSql(filter: string | undefined, scope: ScopeSql, prefix = ''): { sql: string; params: QueryParams } {
  if (!filter) return { sql: '1', params: {} };
  return compileFilter(filter, { paramPrefix: prefix, spanScope: scope.spans });
}

/** Human label for a cohort: "1.2.0", "attributes.flag = 'on'", or both. */
export function cohortLabel(cohort: CohortSpec): string {
  return [cohort.version, cohort.filter].filter(Boolean).join(' where ');
}
