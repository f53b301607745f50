// Alert episodes in the store (verdict_alerts): one per regression of a candidate on a metric, from
// the look that found it until it resolves. Reading needs no collector, so `verdict alerts` works
// on a data directory too.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { answer, nullable, oneOf } from '../queries/question.js';
import { readSqlFile } from '../schema/sql-files.js';

export const ALERT_STATES = ['firing', 'resolved'] as const;
export const RESOLVED_BECAUSE = ['stopped_serving', 'archived', 'became_baseline'] as const;

export const AlertSchema = answer({
  id: Type.String(),
  service: Type.String(),
  environment: Type.String(),
  version: Type.String({ description: 'The candidate that regressed.' }),
  baseline: Type.String(),
  metric: Type.String(),
  state: oneOf(ALERT_STATES),
  openedAt: Type.String({ format: 'date-time', description: 'Span time of the look that found it.' }),
  resolvedAt: nullable(Type.String({ format: 'date-time' })),
  baselineValue: Type.Number(),
  candidateValue: Type.Number(),
  ciLow: Type.Number(),
  ciHigh: Type.Number(),
  logLikelihoodRatio: Type.Number(),
  baselineRequests: Type.Integer(),
  candidateRequests: Type.Integer(),
  rollbackTo: nullable(answer({ version: Type.String(), commit: Type.String() })),
  resolvedBecause: nullable(oneOf(RESOLVED_BECAUSE)),
});
export type Alert = Static<typeof AlertSchema>;

const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

export async function writeAlert(client: ClickHouseClient, a: Alert, updatedMs: number): Promise<void> {
  const row = {
    AlertId: a.id,
    Service: a.service,
    Environment: a.environment,
    Version: a.version,
    Baseline: a.baseline,
    Metric: a.metric,
    State: a.state,
    OpenedAt: iso(Date.parse(a.openedAt)),
    ResolvedAt: iso(a.resolvedAt ? Date.parse(a.resolvedAt) : 0),
    UpdatedAt: iso(updatedMs),
    BaselineValue: a.baselineValue,
    CandidateValue: a.candidateValue,
    CiLow: a.ciLow,
    CiHigh: a.ciHigh,
    LogLikelihoodRatio: a.logLikelihoodRatio,
    BaselineRequests: a.baselineRequests,
    CandidateRequests: a.candidateRequests,
    RollbackTo: a.rollbackTo?.version ?? '',
    RollbackCommit: a.rollbackTo?.commit ?? '',
    ResolvedBecause: a.resolvedBecause ?? '',
  };
  await client.command({ query: readSqlFile('alerts/write-alert.sql'), query_params: { rows: JSON.stringify(row) } });
}

export async function readAlerts(client: ClickHouseClient, filter: { state?: 'firing' | 'resolved'; service?: string; limit?: number } = {}): Promise<Alert[]> {
  const result = await client.query({
    query: readSqlFile('alerts/alerts.sql'),
    format: 'JSONEachRow',
    query_params: { state: filter.state ?? '', service: filter.service ?? '', limit: filter.limit ?? 1000 },
  });
  return (await result.json<Record<string, unknown>>()).map((r) => ({
    id: String(r.id),
    service: String(r.service),
    environment: String(r.environment),
    version: String(r.version),
    baseline: String(r.baseline),
    metric: String(r.metric),
    state: String(r.state) as Alert['state'],
    openedAt: new Date(Number(r.opened_ms)).toISOString(),
    resolvedAt: Number(r.resolved_ms) > 0 ? new Date(Number(r.resolved_ms)).toISOString() : null,
    baselineValue: Number(r.baseline_value),
    candidateValue: Number(r.candidate_value),
    ciLow: Number(r.ci_low),
    ciHigh: Number(r.ci_high),
    logLikelihoodRatio: Number(r.llr),
    baselineRequests: Number(r.baseline_requests),
    candidateRequests: Number(r.candidate_requests),
    rollbackTo: r.rollback_to ? { version: String(r.rollback_to), commit: String(r.rollback_commit) } : null,
    resolvedBecause: r.resolved_because ? (String(r.resolved_because) as Alert['resolvedBecause']) : null,
  }));
}
