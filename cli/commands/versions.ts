// `verdict versions`: every version of each service and environment, with when it was seen,
// its commits, traffic, error rate and latency.
import { versionsQuestion, type VersionsResult } from '../../queries/versions.js';
import { commit, ms, percent, renderJsonLines, renderTable, time } from '../format.js';
import type { CliQuestion } from '../question-command.js';

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
    }));
    process.stdout.write(renderTable(['service', 'environment', 'version', 'commits', 'first_seen', 'last_seen', 'requests', 'error_rate', 'p50', 'p95'], rows, ctx.out));
    return 0;
  },
  unmatched: (answer, params) => ((answer as VersionsResult).versions.length === 0 && params.filter ? [String(params.filter)] : []),
};
