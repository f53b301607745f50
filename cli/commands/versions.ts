// `verdict versions`: every version of each service and environment, with when it was seen,
// its commits, traffic, error rate, latency and cost per request; with --feedback, the two
// most-rated feedback names (a boolean's rate, a numeric mean).
import { versionsQuestion, type VersionsResult } from '../../queries/versions.js';
import { commit, ms, percent, renderJsonLines, renderTable, time, usd } from '../format.js';
import type { CliQuestion } from '../question-command.js';
import { listRecords } from '../../registry/records.js';
import type { VersionRecord } from '../../registry/schema.js';
import { withLocalStore } from '../ask.js';
import { callApi, chooseTarget } from '../target.js';

export const versionsCommand: CliQuestion = {
  command: 'versions',
  question: versionsQuestion,
  example: "verdict versions --env production --from 7d --filter \"attributes.status = 'ERROR'\"",
  print(answer, ctx) {
    const r = answer as VersionsResult;
    if (ctx.json) {
      process.stdout.write(renderJsonLines(r.versions));
      return 0;
    }
    // The most-rated feedback names over the whole answer, as two columns at most.
    const totals = new Map<string, number>();
    for (const f of r.versions.flatMap((v) => v.feedback ?? [])) totals.set(f.name, (totals.get(f.name) ?? 0) + f.count);
    const feedback = [...totals].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)).slice(0, 2).map(([name]) => name);
    const rows = r.versions.map((v) => ({
      service: v.service,
      environment: v.environment,
      version: v.version,
      commits: v.commits.map(commit).join(','),
      first_seen: time(v.firstSeen),
      last_seen: time(v.lastSeen),
      requests: v.requests,
      error_rate: percent(v.errorRate),
      p50: ms(v.latencyMs?.p50),
      p95: ms(v.latencyMs?.p95),
      'cost/req': usd(v.costPerRequestUsd),
      ...Object.fromEntries(
        feedback.map((name) => {
          const f = v.feedback?.find((x) => x.name === name);
          return [name, !f ? '' : f.type === 'boolean' ? percent(f.value) : f.value.toFixed(2)];
        }),
      ),
    }));
    process.stdout.write(renderTable(['service', 'environment', 'version', 'commits', 'first_seen', 'last_seen', 'requests', 'error_rate', 'p50', 'p95', 'cost/req', ...feedback], rows, ctx.out));
    return 0;
  },
  // Where the registry and the traffic disagree (docs/registry.md), under the table.
  async after(answer, params, reach, ctx) {
    if (ctx.json || (answer as VersionsResult).versions.length === 0) return;
    const service = params.service ? String(params.service) : undefined;
    let records: VersionRecord[];
    try {
      const target = await chooseTarget(reach.api, reach.config);
      records = target.kind === 'api'
        ? (await callApi<{ versions: VersionRecord[] }>(target.url, `/api/registry/versions${service ? `?service=${encodeURIComponent(service)}` : ''}`)).versions
        : await withLocalStore(target.config, (store) => listRecords(store.client, { service }));
    } catch {
      return; // an older collector without the registry: the table stands on its own
    }
    const env = params.env ? String(params.env) : undefined;
    const lines = records.flatMap((r) => r.drift.filter((d) => !env || d.environment === env).map((d) => ctx.out.color.yellow(`drift: ${r.service} ${r.version}: ${d.message}`)));
    if (lines.length > 0) process.stdout.write(`\n${lines.join('\n')}\n`);
  },
  unmatched: (answer, params) => ((answer as VersionsResult).versions.length === 0 && params.filter ? [String(params.filter)] : []),
};
