// `verdict deployments`: per service and environment, the versions with first/last seen and
// commits, what is live, rollouts, rollbacks and overlapping versions (canaries).
import type { DeploymentsResult } from '../../queries/deployments.js';
import { ask } from '../question-client.js';
import { time } from '../question-format.js';
import type { QuestionContext } from '../question-commands.js';
import { renderJsonLines, renderTable } from '../table-output.js';

export async function deploymentsCommand(ctx: QuestionContext): Promise<number> {
  const r = await ask<DeploymentsResult>('/api/deployments', ctx.scope(), ctx);
  if (ctx.json) {
    process.stdout.write(renderJsonLines(r.deployments));
    return 0;
  }
  const out: string[] = [];
  for (const d of r.deployments) {
    out.push(`${d.service} / ${d.environment || '(no environment)'} — live: ${d.live.join(', ') || 'none'} (as of ${time(d.asOf)})`);
    const rows = d.versions.map((v) => ({
      version: v.version,
      commits: v.commits.join(','),
      first_seen: time(v.firstSeen),
      last_seen: time(v.lastSeen),
      requests: v.requests,
      live: v.live ? 'yes' : '',
    }));
    out.push(renderTable(['version', 'commits', 'first_seen', 'last_seen', 'requests', 'live'], rows).replace(/\(\d+ rows?\)\n$/, '').trimEnd());
    for (const t of d.rollouts) out.push(`  rollout   ${time(t.at)}  ${t.from} → ${t.to}`);
    for (const t of d.rollbacks) out.push(`  ROLLBACK  ${time(t.at)}  ${t.from} → ${t.to}`);
    for (const o of d.overlaps) {
      out.push(`  overlap   ${time(o.from)} – ${time(o.to)}  ${o.versions.map((v) => `${v.version} ${(v.share * 100).toFixed(1)}%`).join(', ')}`);
    }
    out.push('');
  }
  if (r.deployments.length === 0) out.push('no spans in this range');
  process.stdout.write(`${out.join('\n').trimEnd()}\n`);
  return 0;
}
