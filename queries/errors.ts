// errors: the top error groups of each version (span name + message pattern), and with a baseline
// and a candidate, the candidate's errors next to their baseline counts — the new ones first.
import type { ClickHouseClient } from '@clickhouse/client';
import { scopeSql } from './cohort.js';
import { QueryInputError, isoFromMs, num, queryRows, renderSql } from './run-query.js';
import { UNBOUNDED_TO_MS, type TimeRange } from './time-range.js';

export interface ErrorsOptions {
  service?: string;
  environment?: string;
  /** Only this version (all versions when absent). */
  version?: string;
  /** With `candidate`: which of the candidate's errors the baseline never had. */
  baseline?: string;
  candidate?: string;
  range?: TimeRange;
  /** Groups per version (default 20). */
  limit?: number;
}

export interface ErrorGroup {
  version: string;
  spanName: string;
  /** The message with numbers, UUIDs and long hex ids replaced by <n>, <uuid>, <id>. */
  message: string;
  /** One real message of the group. */
  example: string;
  count: number;
  /** How many of the failed spans were requests (the rest are child spans). */
  requestErrors: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** Comparison mode only: the same group's count in the baseline, and whether that is zero. */
  baselineCount?: number;
  isNew?: boolean;
}

export interface ErrorsResult {
  errors: ErrorGroup[];
  /** Comparison mode only: the groups present in the candidate and absent from the baseline. */
  newInCandidate: ErrorGroup[] | null;
}

export async function errors(client: ClickHouseClient, options: ErrorsOptions = {}): Promise<ErrorsResult> {
  if (Boolean(options.baseline) !== Boolean(options.candidate)) throw new QueryInputError('give both baseline and candidate, or neither');
  const scope = scopeSql({ service: options.service, environment: options.environment, range: options.range ?? { fromMs: 0, toMs: UNBOUNDED_TO_MS } });
  const limit = options.limit ?? 20;
  if (options.baseline && options.candidate) {
    const rows = await queryRows(client, renderSql('errors-new', { scope: scope.sql }), {
      ...scope.params,
      baseline: options.baseline,
      candidate: options.candidate,
      limit,
    });
    const groups = rows.map((r) => ({ ...group(r), baselineCount: num(r.baseline_count), isNew: num(r.baseline_count) === 0 }));
    return { errors: groups, newInCandidate: groups.filter((g) => g.isNew) };
  }
  const params = { ...scope.params, limit, version: options.version ?? '' };
  const versions = options.version !== undefined ? 'AppVersion = {version:String}' : '1';
  const rows = await queryRows(client, renderSql('errors', { scope: scope.sql, versions }), params);
  return { errors: rows.map(group), newInCandidate: null };
}

function group(r: Record<string, unknown>): ErrorGroup {
  return {
    version: String(r.version),
    spanName: String(r.span_name),
    message: String(r.pattern),
    example: String(r.example),
    count: num(r.count),
    requestErrors: num(r.request_errors),
    firstSeen: isoFromMs(r.first_ms),
    lastSeen: isoFromMs(r.last_ms),
  };
}
