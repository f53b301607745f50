// The alert rules, from a JSON file (`verdict serve --alerts-config rules.json`): which metrics,
// their practical thresholds, the minimum samples, α, environments, quiet hours and webhooks.
// Declared once (TypeBox); a bad file fails at start naming the field.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readFileSync } from 'node:fs';
import { DEFAULT_THRESHOLDS, METRIC_NAMES, type MetricName } from '../queries/compare/schema.js';

/**
 * Metrics the watcher can watch: any of compare's metrics with an interval. `worse` says which
 * direction is a regression; adding a metric compare gains (cost, feedback) is one entry here.
 */
export const WATCHABLE: Record<MetricName, { worse: 'higher' | 'lower' }> = Object.fromEntries(METRIC_NAMES.map((m) => [m, { worse: 'higher' as const }])) as Record<MetricName, { worse: 'higher' | 'lower' }>;

const Time = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, UTC' });

export const AlertRulesSchema = Type.Object({
  metrics: Type.Optional(Type.Array(Type.Union(METRIC_NAMES.map((m) => Type.Literal(m))), { minItems: 1, description: 'Metrics to watch (default errorRate, latencyP95, inputTokensPerRequest, outputTokensPerRequest).' })),
  alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'False-alarm rate per canary, split over the metrics (default 0.05).' })),
  thresholds: Type.Optional(Type.Object({
    minErrorRateDelta: Type.Optional(Type.Number({ minimum: 0 })),
    minLatencyChange: Type.Optional(Type.Number({ minimum: 0 })),
    minTokenChange: Type.Optional(Type.Number({ minimum: 0 })),
    minSpanChange: Type.Optional(Type.Number({ minimum: 0 })),
  }, { additionalProperties: false })),
  minRequests: Type.Optional(Type.Integer({ minimum: 1, description: 'Requests each side needs before a look counts (default 100).' })),
  environments: Type.Optional(Type.Array(Type.String(), { description: 'Environments to watch (default all).' })),
  quietHours: Type.Optional(Type.Object({ from: Time, to: Time }, { additionalProperties: false, description: 'Notifications wait in the outbox during these hours (UTC).' })),
  webhooks: Type.Optional(Type.Array(Type.Object({
    url: Type.String({ pattern: '^https?://' }),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('slack')])),
  }, { additionalProperties: false }))),
  pageUrl: Type.Optional(Type.String({ pattern: '^https?://', description: 'Where people open the page; links in alerts start here (default the API URL).' })),
  resolveAfterMinutes: Type.Optional(Type.Integer({ minimum: 1, description: 'A candidate without requests for this long has stopped serving (default 5).' })),
  checkIntervalSeconds: Type.Optional(Type.Integer({ minimum: 1, description: 'How often the watcher looks (default 60).' })),
}, { additionalProperties: false });
export type AlertRulesFile = Static<typeof AlertRulesSchema>;

export interface AlertRules {
  metrics: MetricName[];
  alpha: number;
  thresholds: typeof DEFAULT_THRESHOLDS;
  minRequests: number;
  environments: string[] | null;
  quietHours: { from: string; to: string } | null;
  webhooks: Array<{ url: string; format: 'json' | 'slack' }>;
  pageUrl: string | null;
  resolveAfterMinutes: number;
  checkIntervalSeconds: number;
}

export const DEFAULT_WATCHED: MetricName[] = ['errorRate', 'latencyP95', 'inputTokensPerRequest', 'outputTokensPerRequest'];

export class AlertRulesError extends Error {
  readonly code = 'ALERT_RULES';
  constructor(message: string) {
    super(message);
    this.name = 'AlertRulesError';
  }
}

export function alertRules(file: AlertRulesFile = {}, where = 'alert rules'): AlertRules {
  if (!Value.Check(AlertRulesSchema, file)) {
    const first = [...Value.Errors(AlertRulesSchema, file)][0];
    throw new AlertRulesError(`${where}: ${first.path || '(root)'} ${first.message}`);
  }
  return {
    // Errors, latency and tokens by default; one latency quantile, since they move together and
    // each watched metric takes a share of α.
    metrics: file.metrics ?? DEFAULT_WATCHED,
    alpha: file.alpha ?? 0.05,
    thresholds: { ...DEFAULT_THRESHOLDS, ...file.thresholds },
    minRequests: file.minRequests ?? 100,
    environments: file.environments ?? null,
    quietHours: file.quietHours ?? null,
    webhooks: (file.webhooks ?? []).map((w) => ({ url: w.url, format: w.format ?? 'json' })),
    pageUrl: file.pageUrl ?? null,
    resolveAfterMinutes: file.resolveAfterMinutes ?? 5,
    checkIntervalSeconds: file.checkIntervalSeconds ?? 60,
  };
}

export function loadAlertRules(path: string): AlertRules {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AlertRulesError(`cannot read the alert rules ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return alertRules(parsed as AlertRulesFile, path);
}

/** When quiet hours (UTC) that contain `nowMs` end; undefined outside them. */
export function quietUntil(rules: Pick<AlertRules, 'quietHours'>, nowMs: number): number | undefined {
  if (!rules.quietHours) return undefined;
  const minute = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
  const from = minute(rules.quietHours.from);
  const to = minute(rules.quietHours.to);
  const day = Math.floor(nowMs / 86_400_000) * 86_400_000;
  const now = Math.floor((nowMs - day) / 60_000);
  const inside = from <= to ? now >= from && now < to : now >= from || now < to;
  if (!inside) return undefined;
  const end = day + to * 60_000;
  return end > nowMs ? end : end + 86_400_000;
}
