// `verdict errors`: the top error groups per version; with --baseline and --candidate, the
// candidate's errors with their baseline counts, the new ones first.
import type { ErrorsResult } from '../../queries/errors.js';
import { ask } from '../question-client.js';
import { time } from '../question-format.js';
import type { QuestionContext } from '../question-commands.js';
import { renderJsonLines, renderTable } from '../table-output.js';

export async function errorsCommand(ctx: QuestionContext): Promise<number> {
  const f = ctx.flags;
  const r = await ask<ErrorsResult>(
    '/api/errors',
    { ...ctx.scope(), version: f.version, baseline: f.baseline, candidate: f.candidate, limit: f.limit },
    ctx,
  );
  if (ctx.json) {
    process.stdout.write(renderJsonLines(r.errors));
    return 0;
  }
  const comparing = r.newInCandidate !== null;
  const rows = r.errors.map((e) => ({
    version: e.version,
    span: e.spanName,
    message: e.message,
    count: e.count,
    ...(comparing ? { baseline: e.baselineCount, new: e.isNew ? 'NEW' : '' } : { requests: e.requestErrors }),
    first_seen: time(e.firstSeen),
    last_seen: time(e.lastSeen),
  }));
  const columns = comparing
    ? ['version', 'span', 'message', 'count', 'baseline', 'new', 'first_seen', 'last_seen']
    : ['version', 'span', 'message', 'count', 'requests', 'first_seen', 'last_seen'];
  process.stdout.write(renderTable(columns, rows));
  return 0;
}
