// `verdict versions`: every version of each service and environment, with when it was seen,
// its commits, traffic, error rate and latency.
import { versionsQuestion, type VersionsResult } from '../../queries/versions.js';
import { fixed, pct, renderJsonLines, renderTable, time } from '../format.js';
import type { CliQuestion } from '../question-command.js';

export const versionsCommand: CliQuestion = {
  command: 'versions',
  question: versionsQuestion,
  example: 'verdict versions --env production --from 7d',
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
      commits: v.commits.join(','),
      first_seen: time(v.firstSeen),
      last_seen: time(v.lastSeen),
      requests: v.requests,
      error_rate: pct(v.errorRate),
      p50_ms: fixed(v.latencyMs?.p50),
      p95_ms: fixed(v.latencyMs?.p95),
    }));
    process.stdout.write(renderTable(Object.keys(rows[0] ?? { service: '', environment: '', version: '' }), rows));
    return 0;
  },
};
