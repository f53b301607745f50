// What a comparison will read, decided before any counting: the checked options with defaults
// filled in, the source (rollups for version against version, raw spans when a side is a filter),
// and the SQL conditions of the scope and of each side.
import { cohortsSql, scopeSql, type CohortSpec, type CohortSql, type ScopeSql } from '../cohort.js';
import { readsRaw, rollupSource } from '../rollup.js';
import { QueryInputError, renderSql, type QueryParams } from '../run-query.js';
import type { TimeRange } from '../time-range.js';
import type { QualityRules } from './quality-schema.js';
import { DEFAULT_ALPHA, DEFAULT_BY_LIMIT, DEFAULT_MIN_REQUESTS, DEFAULT_THRESHOLDS, type CompareThresholds } from './schema.js';

export interface CompareOptions {
  service?: string;
  environment?: string;
  baseline: CohortSpec;
  candidate: CohortSpec;
  range?: TimeRange;
  /** Compare only the minutes in which both sides had requests. */
  align?: boolean;
  /** Break down by `name` (request span name), `model` (gen_ai.request.model) or any attribute key. */
  by?: string;
  /** Largest number of groups in the breakdown. */
  byLimit?: number;
  /** Keys the mix adjustment stratifies by (default name, model; [] for none). */
  stratify?: string[];
  /** Which deltas decide `regression`: raw (default) or mix-adjusted. */
  verdictBasis?: 'raw' | 'adjusted';
  /** Significance level. */
  alpha?: number;
  /** Fewer requests than this on either side: no verdict (`insufficient_data`). */
  minRequests?: number;
  thresholds?: Partial<CompareThresholds>;
  /** Requests per side above which the tests read a deterministic sample of traces. */
  sampleCap?: number;
  /** Feedback directions and the quality and cost thresholds (quality-schema.ts). */
  quality?: Partial<QualityRules>;
  /**
   * With `align`, the minutes both sides served (epoch seconds), once compare has found them
   * (its window read): every later read takes them as a parameter. Unset, each read derives them.
   */
  alignedMinutes?: number[];
}

export const DEFAULT_SAMPLE_CAP = 20_000;

/** The verdict rules every metric is judged by. */
export interface Rules {
  alpha: number;
  minRequests: number;
  thresholds: CompareThresholds;
}

export interface Plan extends Rules {
  options: CompareOptions;
  /** Version against version reads the rollups and verdict_traces; a filter needs raw spans. */
  raw: boolean;
  sampleCap: number;
  byLimit: number;
}

export function plan(options: CompareOptions): Plan {
  for (const side of ['baseline', 'candidate'] as const) {
    const c = options[side];
    if ((c.version === undefined || c.version === '') && !c.filter) {
      throw new QueryInputError(`compare needs a ${side}: a version (${side}, --${side} on the command line) or a filter (${side}Filter, --${side}-filter)`);
    }
  }
  if (options.alpha !== undefined && !(options.alpha > 0 && options.alpha < 1)) throw new QueryInputError('alpha must be between 0 and 1');
  const thresholds: CompareThresholds = { ...DEFAULT_THRESHOLDS };
  for (const [k, v] of Object.entries(options.thresholds ?? {})) if (v !== undefined) thresholds[k as keyof CompareThresholds] = v;
  return {
    options,
    raw: readsRaw('auto', options.baseline.filter, options.candidate.filter),
    alpha: options.alpha ?? DEFAULT_ALPHA,
    minRequests: options.minRequests ?? DEFAULT_MIN_REQUESTS,
    thresholds,
    sampleCap: options.sampleCap ?? DEFAULT_SAMPLE_CAP,
    byLimit: options.byLimit ?? DEFAULT_BY_LIMIT,
  };
}

/** The scope and both sides as SQL over raw spans, for one range. */
export interface SideConditions {
  scope: ScopeSql;
  baseline: CohortSql;
  candidate: CohortSql;
  fragments: Record<string, string>;
  params: QueryParams;
}

/**
 * With `options.align`, the scope keeps only the minutes in which both sides served requests;
 * `unaligned` is for the query that finds those minutes. Version cohorts take them from the minute
 * rollup (aligned-minutes-rollup.sql: its rows per minute and key, however many traces), filters
 * from the settled traces (aligned-minutes.sql: every trace of both sides in the range). Counting
 * the traces made the sample reads (tests, mix adjustment, quality, cost) grow with the data kept.
 * Once compare knows the minutes (`options.alignedMinutes`), they are a parameter instead.
 */
export function sideConditions(options: CompareOptions, range: TimeRange, unaligned = false): SideConditions {
  const scope = scopeSql({ service: options.service, environment: options.environment, range });
  // The sides' conditions on raw spans are read by one scan for both (cohortsSql).
  const [baseline, candidate] = cohortsSql([{ cohort: options.baseline, prefix: 'b_' }, { cohort: options.candidate, prefix: 'c_' }], scope);
  const params: QueryParams = {};
  if (options.align && !unaligned && options.alignedMinutes) {
    scope.sql = `${scope.sql} AND ${renderSql('compare/aligned-minutes-param', { minute: 'toStartOfMinute(Start)' })}`;
    params.aligned_minutes = options.alignedMinutes;
  } else if (options.align && !unaligned) {
    if (readsRaw('auto', options.baseline.filter, options.candidate.filter)) {
      const minutes = renderSql('compare/aligned-minutes', { scope: scope.sql, baseline: baseline.sql, candidate: candidate.sql });
      scope.sql = `${scope.sql} AND (\n${minutes}\n)`;
    } else {
      // The rollup's scope has the same parameters as the traces' (service, environment, from_ms, to_ms).
      const rollup = rollupSource({ service: options.service, environment: options.environment, range }, 60);
      const minutes = renderSql('compare/aligned-minutes-rollup', { scope: rollup.fragments.scope });
      scope.sql = `${scope.sql} AND toStartOfMinute(Start) IN (\n${minutes}\n)`;
    }
  }
  return {
    scope,
    baseline,
    candidate,
    fragments: {
      scope: scope.sql,
      span_scope: scope.spans,
      baseline: baseline.sql,
      candidate: candidate.sql,
    },
    params: { ...scope.params, ...baseline.params, ...candidate.params, ...params },
  };
}

export function pick(fragments: Record<string, string>, ...keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, fragments[k]]));
}
