// `verdict sessions [ID]`: the sessions of a scope or version, most recently active first; with an
// id, that session's requests in order.
import type { SessionDetail, SessionSummary } from '../../queries/sessions.js';
import { ask } from '../question-client.js';
import { fixed, time } from '../question-format.js';
import type { QuestionContext } from '../question-commands.js';
import { renderJsonLines, renderTable } from '../table-output.js';

export async function sessionsCommand(ctx: QuestionContext): Promise<number> {
  const id = ctx.positionals[0];
  if (id !== undefined) {
    const s = await ask<SessionDetail>(`/api/sessions/${encodeURIComponent(id)}`, { limit: ctx.flags.limit }, ctx);
    if (ctx.json) {
      process.stdout.write(renderJsonLines([s]));
      return 0;
    }
    const rows = s.traces.map((t) => ({
      start: time(t.start),
      trace_id: t.traceId,
      name: t.name,
      version: t.version,
      duration_ms: fixed(t.durationMs),
      status: t.status,
      spans: t.spans,
      input_tokens: t.inputTokens,
      output_tokens: t.outputTokens,
    }));
    process.stdout.write(`session ${s.sessionId}: ${s.turns} turns, ${s.errors} errors, ${fixed(s.durationMs / 1000)} s\n`);
    process.stdout.write(renderTable(['start', 'trace_id', 'name', 'version', 'duration_ms', 'status', 'spans', 'input_tokens', 'output_tokens'], rows));
    return 0;
  }
  const r = await ask<{ sessions: SessionSummary[] }>(
    '/api/sessions',
    { ...ctx.scope(), version: ctx.flags.version, filter: ctx.flags.filter, limit: ctx.flags.limit },
    ctx,
  );
  if (ctx.json) {
    process.stdout.write(renderJsonLines(r.sessions));
    return 0;
  }
  const rows = r.sessions.map((s) => ({
    session: s.sessionId,
    turns: s.turns,
    errors: s.errors,
    first_seen: time(s.firstSeen),
    last_seen: time(s.lastSeen),
    duration_s: fixed(s.durationMs / 1000),
    users: s.users.join(','),
    versions: s.versions.join(','),
  }));
  process.stdout.write(renderTable(['session', 'turns', 'errors', 'first_seen', 'last_seen', 'duration_s', 'users', 'versions'], rows));
  return 0;
}
