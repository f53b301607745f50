// `verdict search '<filter>'`: requests (one per trace) matching a filter, newest first.
import { searchQuestion, type SearchResult } from '../../queries/search.js';
import { fixed, renderJsonLines, renderTable, time } from '../format.js';
import type { CliQuestion } from '../question-command.js';

export const searchCommand: CliQuestion = {
  command: 'search',
  question: searchQuestion,
  argument: { param: 'filter', usage: 'filter', description: "the filter, e.g. \"attributes.status = 'ERROR' AND version = '1.2.0'\"", required: false, variadic: true },
  example: "verdict search \"attributes.status = 'ERROR' AND version = '1.2.0'\" --limit 20",
  print(answer, ctx) {
    const r = answer as SearchResult;
    if (ctx.json) {
      process.stdout.write(renderJsonLines(r.traces));
      if (r.nextCursor) process.stderr.write(`more: --cursor ${r.nextCursor}\n`);
      return 0;
    }
    const rows = r.traces.map((t) => ({
      start: time(t.start),
      trace_id: t.traceId,
      service: t.service,
      name: t.name,
      duration_ms: fixed(t.durationMs),
      status: t.status,
      version: t.version,
      environment: t.environment,
      session: t.sessionId,
    }));
    process.stdout.write(renderTable(['start', 'trace_id', 'service', 'name', 'duration_ms', 'status', 'version', 'environment', 'session'], rows));
    if (r.nextCursor) process.stdout.write(`more: --cursor ${r.nextCursor}\n`);
    return 0;
  },
};
