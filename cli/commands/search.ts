// `verdict search '<filter>' [--limit N]`: requests (one per trace) matching a filter, newest first.
import type { SearchResult } from '../../queries/search.js';
import { ask } from '../question-client.js';
import { fixed, time } from '../question-format.js';
import type { QuestionContext } from '../question-commands.js';
import { renderJsonLines, renderTable } from '../table-output.js';

export async function searchCommand(ctx: QuestionContext): Promise<number> {
  const filter = ctx.positionals.join(' ').trim() || ctx.flags.filter;
  const r = await ask<SearchResult>('/api/traces', { ...ctx.scope(), filter, limit: ctx.flags.limit ?? '100', cursor: ctx.flags.cursor }, ctx);
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
}
