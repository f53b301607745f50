// The SQL conditions that select a question's rows. A *scope* (service, environment, time range)
// applies to every row; a *cohort* (one side of a comparison) is a version, a filter, or both.
// Conditions are generated as structure only: every value is a query parameter.
import { compileFilter } from './filter-compiler.js';
import type { QueryParams } from './run-query.js';
import type { TimeRange } from './time-range.js';

export interface Scope {
  service?: string;
  environment?: string;
  range: TimeRange;
}

export interface CohortSpec {
  /** AppVersion to match. */
  version?: string;
  /** A filter in Verdict's filter language, evaluated on the request span. */
  filter?: string;
}

export interface ScopeSql {
  /** Condition on any otel_traces row. */
  sql: string;
  params: QueryParams;
}

export interface CohortSql {
  /** Condition on a request row (added to the scope and IsRequest = 1). */
  request: string;
  /** Condition on any span that belongs to one of the cohort's requests (added to the scope). */
  span: string;
  params: QueryParams;
}

export function scopeSql(scope: Scope, prefix = ''): ScopeSql {
  const parts = [
    `Timestamp >= fromUnixTimestamp64Milli({${prefix}from_ms:Int64})`,
    `Timestamp < fromUnixTimestamp64Milli({${prefix}to_ms:Int64})`,
  ];
  const params: QueryParams = { [`${prefix}from_ms`]: scope.range.fromMs, [`${prefix}to_ms`]: scope.range.toMs };
  if (scope.service) {
    parts.unshift(`ServiceName = {${prefix}service:String}`);
    params[`${prefix}service`] = scope.service;
  }
  if (scope.environment !== undefined) {
    parts.push(`Environment = {${prefix}environment:String}`);
    params[`${prefix}environment`] = scope.environment;
  }
  return { sql: parts.join(' AND '), params };
}

/**
 * `prefix` keeps two cohorts apart in one query (`b_`, `c_`). The span condition reaches a filtered
 * cohort's other spans (tokens live on LLM child spans) through the trace ids of its requests.
 */
export function cohortSql(cohort: CohortSpec, scope: ScopeSql, prefix: string): CohortSql {
  const request: string[] = [];
  const params: QueryParams = {};
  if (cohort.version !== undefined) {
    request.push(`AppVersion = {${prefix}version:String}`);
    params[`${prefix}version`] = cohort.version;
  }
  const versionOnly = request.join(' AND ') || '1';
  if (cohort.filter) {
    const compiled = compileFilter(cohort.filter, { paramPrefix: prefix, spanScope: scope.sql });
    request.push(compiled.sql);
    Object.assign(params, compiled.params);
  }
  const requestSql = request.join(' AND ') || '1';
  const span = cohort.filter
    ? `${versionOnly} AND TraceId IN (SELECT TraceId FROM otel_traces WHERE IsRequest = 1 AND ${scope.sql} AND ${requestSql})`
    : versionOnly;
  return { request: requestSql, span, params };
}

/** A filter for questions with one population (search, versions, error rate): a request-row condition. */
export function filterSql(filter: string | undefined, scope: ScopeSql, prefix = ''): { sql: string; params: QueryParams } {
  if (!filter) return { sql: '1', params: {} };
  return compileFilter(filter, { paramPrefix: prefix, spanScope: scope.sql });
}

/** Human label for a cohort: "1.2.0", "attributes.flag = 'on'", or both. */
export function cohortLabel(cohort: CohortSpec): string {
  return [cohort.version, cohort.filter].filter(Boolean).join(' where ');
}
