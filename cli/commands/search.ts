// `verdict search '<filter>'`: requests (one per trace) matching a filter, newest first or in
// MLflow's order_by (--order-by, from the question's declaration).
import { searchQuestion, type SearchResult } from '../../queries/search.js';
import { ms, renderJsonLines, renderTable, time } from '../format.js';
import type { CliQuestion } from '../question-command.js';

export const searchCommand: CliQuestion = {
  command: 'search',
  question: searchQuestion,
  argument: { param: 'filter', usage: 'filter', description: "the filter, e.g. \"attributes.status = 'ERROR' AND version = '1.2.0'\"", required: false, variadic: true },
  example: "verdict search \"attributes.status = 'ERROR' AND version = '1.2.0'\" --order-by 'execution_time_ms DESC' --limit 20",
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
      duration: ms(t.durationMs),
      status: t.status === 'Error' ? { text: t.status, paint: ctx.out.color.red } : t.status,
      version: t.version,
      environment: t.environment,
      session: t.sessionId,
    }));
    process.stdout.write(renderTable(['start', 'trace_id', 'service', 'name', 'duration', 'status', 'version', 'environment', 'session'], rows, ctx.out));
    if (r.nextCursor) process.stdout.write(`more: --cursor ${r.nextCursor}\n`);
    return 0;
  },
  unmatched: (answer, params) => ((answer as SearchResult).traces.length === 0 && params.filter && !params.cursor ? [String(params.filter)] : []),
};
