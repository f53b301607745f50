// What a notification says, in the two shapes receivers take: Verdict's generic JSON, and Slack's
// incoming-webhook message ({ text, blocks }). Each names the metric, both values, the interval,
// links to the page's comparison and to the trace search, and the version to roll back to.
import type { Alert } from './episodes.js';

export type MessageKind = 'regression' | 'resolved';

export interface AlertLinks {
  comparison: string;
  traces: string;
}

export function linksFor(a: Alert, pageUrl: string): AlertLinks {
  const base = pageUrl.replace(/\/+$/, '');
  const q = (p: Record<string, string>) => new URLSearchParams(p).toString();
  const scope = { service: a.service, env: a.environment };
  const filter = `version = '${a.version.replace(/'/g, "\\'")}'${a.metric === 'errorRate' ? " AND attributes.status = 'ERROR'" : ''}`;
  return {
    comparison: `${base}/?${q({ view: 'compare', ...scope, baseline: a.baseline, candidate: a.version })}`,
    traces: `${base}/?${q({ view: 'search', ...scope, filter })}`,
  };
}

const fmt = (metric: string, v: number) => (metric === 'errorRate' ? `${(v * 100).toFixed(2)} %` : metric.startsWith('latency') ? `${v.toFixed(1)} ms` : v.toFixed(2));

export function summary(kind: MessageKind, a: Alert): string {
  const where = `${a.service} / ${a.environment}`;
  if (kind === 'resolved') return `Resolved: ${where} ${a.version} ${a.metric} (${a.resolvedBecause?.replace(/_/g, ' ') ?? 'resolved'})`;
  const unit = a.metric === 'errorRate' ? (x: number) => `${(x * 100).toFixed(2)} pt` : (x: number) => fmt(a.metric, x);
  return (
    `Regression: ${where} ${a.version} ${a.metric} ${fmt(a.metric, a.candidateValue)} vs ${fmt(a.metric, a.baselineValue)} on ${a.baseline}` +
    ` (95 % CI of the difference ${unit(a.ciLow)} to ${unit(a.ciHigh)})` +
    (a.rollbackTo ? `; roll back to ${a.rollbackTo.version}${a.rollbackTo.commit ? ` (${a.rollbackTo.commit.slice(0, 12)})` : ''}` : '')
  );
}

export function jsonMessage(kind: MessageKind, a: Alert, links: AlertLinks): unknown {
  return { kind, text: summary(kind, a), alert: a, links };
}

export function slackMessage(kind: MessageKind, a: Alert, links: AlertLinks): unknown {
  const text = summary(kind, a);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${kind === 'regression' ? ':rotating_light:' : ':white_check_mark:'} ${text}*` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${links.comparison}|Comparison> · <${links.traces}|Traces>` }] },
    ],
  };
}
