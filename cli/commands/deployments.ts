// `verdict deployments`: per service and environment, the versions with first/last seen and
// commits, what is live, rollouts, rollbacks and overlapping versions (canaries).
import { deploymentsQuestion, type DeploymentsResult } from '../../queries/deployments.js';
import { commit, percent, renderBareTable, renderJsonLines, time } from '../format.js';
import type { CliQuestion } from '../question-command.js';

export const deploymentsCommand: CliQuestion = {
  command: 'deployments',
  question: deploymentsQuestion,
  example: 'verdict deployments --service chat-api --env production --from 30d',
  print(answer, ctx) {
    const r = answer as DeploymentsResult;
    if (ctx.json) {
      process.stdout.write(renderJsonLines(r.deployments));
      return 0;
    }
    const out: string[] = [];
    for (const d of r.deployments) {
      out.push(`${d.service} / ${d.environment || '(no environment)'} — live: ${d.live.join(', ') || 'none'} (as of ${time(d.asOf)})`);
      const rows = d.versions.map((v) => ({
        version: v.version,
        commits: v.commits.map(commit).join(','),
        first_seen: time(v.firstSeen),
        last_seen: time(v.lastSeen),
        requests: v.requests,
        live: v.live ? 'yes' : '',
      }));
      out.push(renderBareTable(['version', 'commits', 'first_seen', 'last_seen', 'requests', 'live'], rows, ctx.out));
      for (const t of d.rollouts) out.push(`  rollout   ${time(t.at)}  ${t.from} → ${t.to}`);
      for (const t of d.rollbacks) out.push(ctx.out.color.red(`  ROLLBACK  ${time(t.at)}  ${t.from} → ${t.to}`));
      for (const o of d.overlaps) {
        out.push(`  overlap   ${time(o.from)} – ${time(o.to)}  ${o.versions.map((v) => `${v.version} ${percent(v.share, 1)}`).join(', ')}`);
      }
      out.push('');
    }
    if (r.deployments.length === 0) out.push('no spans in this range');
    process.stdout.write(`${out.join('\n').trimEnd()}\n`);
    return 0;
  },
};
