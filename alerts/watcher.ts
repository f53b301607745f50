// The watcher in `verdict serve`: wherever a version other than the baseline serves traffic (a
// canary, a rollout, a partial rollback), it compares that version with the baseline once per minute
// of data, through compare's public options only, and runs the mixture SPRT on each watched metric.
// "Now" is each environment's latest span, so replayed or delayed data is judged on its own clock.
// A crossing (with the practical threshold also met) opens one episode and notifies; the episode
// resolves when the candidate stops serving, is archived, or becomes the baseline.
import type { ClickHouseClient } from '@clickhouse/client';
import { compare } from '../queries/compare/compare.js';
import type { CompareResult } from '../queries/compare/schema.js';
import { defaultBaseline } from '../registry/baseline.js';
import { serviceViews, type ServiceView } from '../registry/records.js';
import type { Deployment } from '../queries/deployments.js';
import { readAlerts, writeAlert, type Alert } from './episodes.js';
import { jsonMessage, linksFor, slackMessage, type MessageKind } from './messages.js';
import { sequentialLook, standardErrorFromInterval } from './msprt.js';
import type { Outbox } from './outbox.js';
import { quietUntil, WATCHABLE, type AlertRules } from './rules.js';
import { randomUUID } from 'node:crypto';

export interface WatcherOptions {
  client: ClickHouseClient;
  rules: AlertRules;
  outbox: Outbox;
  /** Where links in notifications point when the rules name no page URL (the API's, once it listens). */
  pageUrl: () => string;
  log?: { warn(obj: object, msg: string): void };
  /**
   * Collectors sharing a server share one alert state: only the holder of this lease looks on the
   * timed beat, so an episode opens and notifies once (absent: this watcher always looks).
   */
  leader?: Leader;
}

/** A lease held across beats (schema/lease-lock.ts on a server). */
export interface Leader {
  held(): boolean;
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

export interface CheckSummary {
  looks: number;
  opened: Alert[];
  resolved: Alert[];
}

export interface Watcher {
  /** One pass over every environment: new minutes looked at, episodes opened and resolved. */
  check(): Promise<CheckSummary>;
  /** Current gauge values: 1 while an episode is firing, 0 after it resolved. */
  gauge(): Array<{ labels: { service: string; environment: string; version: string; metric: string }; value: number }>;
  /**
   * The timed beat: a pass when this watcher leads (taking the lease if it is free), then due
   * deliveries. Undefined when another collector leads.
   */
  beat(): Promise<CheckSummary | undefined>;
  start(): void;
  close(): Promise<void>;
}

const MINUTE = 60_000;
/**
 * Looks taken per candidate per pass at most: a collector starting on a long canary does not stall,
 * it starts with the latest half hour (skipping looks keeps the test valid: fewer looks, same bound).
 */
const MAX_LOOKS_PER_PASS = 30;
/** compare's interval level; the SPRT reads the standard error back from it. */
const INTERVAL_ALPHA = 0.05;

/**
 * The mixture's scale τ, in multiples of the practical threshold: the SPRT is most powerful near
 * effects of about τ, and the regressions worth an alert are mostly larger than the smallest that
 * matters (docs/alerts.md).
 */
export const MIXTURE_SCALE = 2;

const floorMinute = (ms: number) => Math.floor(ms / MINUTE) * MINUTE;

export function createWatcher(options: WatcherOptions): Watcher {
  const { client, rules, outbox } = options;
  const lastLook = new Map<string, number>();
  const gauge = new Map<string, { labels: { service: string; environment: string; version: string; metric: string }; value: number }>();
  let open: Alert[] | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const setGauge = (a: Alert, value: number) =>
    gauge.set(`${a.service}\u0000${a.environment}\u0000${a.version}\u0000${a.metric}`, { labels: { service: a.service, environment: a.environment, version: a.version, metric: a.metric }, value });

  function notify(kind: MessageKind, a: Alert): void {
    const links = linksFor(a, rules.pageUrl ?? options.pageUrl());
    const dueMs = quietUntil(rules, Date.now());
    for (const w of rules.webhooks) outbox.enqueue({ url: w.url, body: w.format === 'slack' ? slackMessage(kind, a, links) : jsonMessage(kind, a, links), dueMs });
  }

  function rollbackTarget(view: ServiceView, env: string, candidate: string, baseline: string): Alert['rollbackTo'] {
    const production = [...view.state.values()].filter((s) => s.productionEnvironments.has(env) && s.version !== candidate && s.stage !== 'archived');
    const version = production.sort((a, b) => (b.productionSinceMs ?? 0) - (a.productionSinceMs ?? 0))[0]?.version ?? baseline;
    const commit = view.state.get(version)?.commit || view.traffic.filter((t) => t.version === version && t.environment === env).flatMap((t) => t.commits).at(-1) || '';
    return { version, commit };
  }

  function baselineOf(view: ServiceView, d: Deployment, serving: Set<string>): string | undefined {
    const choice = defaultBaseline(view, d.environment, undefined);
    if (choice && serving.has(choice.version)) return choice.version;
    return d.eras.at(-1)?.version;
  }

  function evaluate(result: CompareResult, alphaShare: number): Array<{ metric: string; m: CompareResult['metrics'][number]; llr: number }> {
    if (result.baseline.requests < rules.minRequests || result.candidate.requests < rules.minRequests) return [];
    const found = [];
    for (const name of rules.metrics) {
      const m = result.metrics.find((x) => x.name === name);
      if (!m || m.delta === null || m.ciLow === null || m.ciHigh === null || m.minChange === null || !(m.minChange > 0)) continue;
      const sign = WATCHABLE[name].worse === 'higher' ? 1 : -1;
      const estimate = sign * m.delta;
      const look = sequentialLook(estimate, standardErrorFromInterval(m.ciLow, m.ciHigh, INTERVAL_ALPHA), MIXTURE_SCALE * m.minChange, alphaShare);
      // Evidence alone is not enough: the change must also be one that matters.
      if (look.crossed && estimate >= m.minChange) found.push({ metric: name, m, llr: look.logLikelihoodRatio });
    }
    return found;
  }

  async function pass(): Promise<CheckSummary> {
    if (rules.environments?.length === 0) return { looks: 0, opened: [], resolved: [] };
    open ??= await readAlerts(client, { state: 'firing' });
    for (const a of open) setGauge(a, 1);
    const summary: CheckSummary = { looks: 0, opened: [], resolved: [] };
    const views = await serviceViews(client, undefined, { branches: false });
    const alphaShare = rules.alpha / rules.metrics.length;
    for (const view of views) {
      for (const d of view.deployments) {
        if (rules.environments && !rules.environments.includes(d.environment)) continue;
        if (!d.asOf) continue;
        const asOf = Date.parse(d.asOf);
        const servingSince = asOf - rules.resolveAfterMinutes * MINUTE;
        const serving = new Set(d.versions.filter((v) => v.lastSeen && Date.parse(v.lastSeen) >= servingSince).map((v) => v.version));
        const baseline = baselineOf(view, d, serving);
        if (!baseline) continue;

        // Resolve first: what stopped serving, was archived or is the baseline now.
        for (const a of open.filter((x) => x.service === view.service && x.environment === d.environment)) {
          const because = view.state.get(a.version)?.stage === 'archived' ? 'archived' : a.version === baseline ? 'became_baseline' : !serving.has(a.version) ? 'stopped_serving' : undefined;
          if (!because) continue;
          const resolved: Alert = { ...a, state: 'resolved', resolvedAt: new Date(asOf).toISOString(), resolvedBecause: because };
          await writeAlert(client, resolved, Date.now());
          open = open.filter((x) => x.id !== a.id);
          setGauge(resolved, 0);
          notify('resolved', resolved);
          summary.resolved.push(resolved);
        }

        for (const candidate of serving) {
          if (candidate === baseline) continue;
          const first = d.versions.find((v) => v.version === candidate)?.firstSeen;
          if (!first) continue;
          const start = floorMinute(Date.parse(first));
          const key = `${view.service}\u0000${d.environment}\u0000${candidate}\u0000${baseline}`;
          const end = floorMinute(asOf);
          let t = Math.max((lastLook.get(key) ?? start) + MINUTE, end - (MAX_LOOKS_PER_PASS - 1) * MINUTE);
          for (; t <= end; t += MINUTE) {
            const result = await compare(client, {
              service: view.service,
              environment: d.environment,
              range: { fromMs: start, toMs: t },
              baseline: { version: baseline },
              candidate: { version: candidate },
              alpha: INTERVAL_ALPHA,
              minRequests: rules.minRequests,
              thresholds: rules.thresholds,
            });
            summary.looks++;
            lastLook.set(key, t);
            for (const hit of evaluate(result, alphaShare)) {
              if (open.some((a) => a.service === view.service && a.environment === d.environment && a.version === candidate && a.metric === hit.metric)) continue;
              const alert: Alert = {
                id: randomUUID(),
                service: view.service,
                environment: d.environment,
                version: candidate,
                baseline,
                metric: hit.metric,
                state: 'firing',
                openedAt: new Date(t).toISOString(),
                resolvedAt: null,
                baselineValue: hit.m.baseline ?? 0,
                candidateValue: hit.m.candidate ?? 0,
                ciLow: hit.m.ciLow ?? 0,
                ciHigh: hit.m.ciHigh ?? 0,
                logLikelihoodRatio: hit.llr,
                baselineRequests: result.baseline.requests,
                candidateRequests: result.candidate.requests,
                rollbackTo: rollbackTarget(view, d.environment, candidate, baseline),
                resolvedBecause: null,
              };
              await writeAlert(client, alert, Date.now());
              open.push(alert);
              setGauge(alert, 1);
              notify('regression', alert);
              summary.opened.push(alert);
            }
          }
        }
      }
    }
    return summary;
  }

  return {
    check() {
      // One pass at a time: two would look at the same minutes and could open an episode twice.
      const next = chain.then(pass, pass);
      chain = next.catch(() => {});
      return next;
    },
    gauge: () => [...gauge.values()],
    async beat() {
      const leader = options.leader;
      if (leader && !leader.held()) {
        if (!(await leader.tryAcquire())) return undefined;
        // Another collector led until now: what it opened and looked at is in the store, not here.
        open = undefined;
        lastLook.clear();
      }
      const summary = await this.check();
      await outbox.deliverDue();
      return summary;
    },
    start() {
      const tick = () => {
        this.beat().catch((err) => options.log?.warn({ err: (err as Error).message }, 'alert check failed; retried on the next beat'));
      };
      timer = setInterval(tick, rules.checkIntervalSeconds * 1000);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      await chain;
      // The next collector's beat takes over at once instead of after the lease.
      if (options.leader?.held()) await options.leader.release();
    },
  };
}
