// `verdict versions`: every version of each service and environment, with when it was seen,
// its commits, traffic, error rate and latency.
import type { VersionsResult } from '../../queries/versions.js';
import { ask } from '../question-client.js';
import { fixed, pct, time } from '../question-format.js';
import type { QuestionContext } from '../question-commands.js';
import { renderJsonLines, renderTable } from '../table-output.js';

export async function versionsCommand(ctx: QuestionContext): Promise<number> {
  const r = await ask<VersionsResult>('/api/versions', ctx.scope(), ctx);
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
}
