// `verdict errors`: the top error groups per version; with --baseline and --candidate, the
// candidate's errors with their baseline counts, the new ones first.
import { errorsQuestion, type ErrorsResult } from '../../queries/errors.js';
import { renderJsonLines, renderTable, time } from '../format.js';
import type { CliQuestion } from '../question-command.js';

export const errorsCommand: CliQuestion = {
  command: 'errors',
  question: errorsQuestion,
  example: 'verdict errors --service chat-api --env production --baseline 1.1.0 --candidate 1.2.0',
  print(answer, ctx) {
    const r = answer as ErrorsResult;
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
      ...(comparing ? { baseline: e.baselineCount, new: e.isNew ? { text: 'NEW', paint: (s: string) => ctx.out.color.yellow(s) } : '' } : { requests: e.requestErrors }),
      first_seen: time(e.firstSeen),
      last_seen: time(e.lastSeen),
    }));
    const columns = comparing
      ? ['version', 'span', 'message', 'count', 'baseline', 'new', 'first_seen', 'last_seen']
      : ['version', 'span', 'message', 'count', 'requests', 'first_seen', 'last_seen'];
    process.stdout.write(renderTable(columns, rows, ctx.out));
    return 0;
  },
};
