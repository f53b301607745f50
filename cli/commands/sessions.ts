// `verdict sessions [ID]`: the sessions of a scope or version, most recently active first; with an
// id, that session's requests in order.
import { sessionQuestion, sessionsQuestion, type SessionDetail, type SessionSummary } from '../../queries/sessions.js';
import { ms, renderJsonLines, renderTable, seconds, time, type Output } from '../format.js';
import type { CliQuestion } from '../question-command.js';

function printSession(s: SessionDetail, json: boolean, out: Output): number {
  if (json) {
    process.stdout.write(renderJsonLines([s]));
    return 0;
  }
  const rows = s.traces.map((t) => ({
    start: time(t.start),
    trace_id: t.traceId,
    name: t.name,
    version: t.version,
    duration: ms(t.durationMs),
    status: t.status === 'Error' ? { text: t.status, paint: out.color.red } : t.status,
    spans: t.spans,
    input_tokens: t.inputTokens,
    output_tokens: t.outputTokens,
  }));
  process.stdout.write(`session ${s.sessionId}: ${s.turns} turns, ${s.errors} errors, ${seconds(s.durationMs / 1000)}\n`);
  process.stdout.write(renderTable(['start', 'trace_id', 'name', 'version', 'duration', 'status', 'spans', 'input_tokens', 'output_tokens'], rows, out));
  return 0;
}

export const sessionsCommand: CliQuestion = {
  command: 'sessions',
  question: sessionsQuestion,
  argument: { param: 'id', usage: 'session-id', description: "one session's requests in order, instead of the list", required: false },
  example: 'verdict sessions --service chat-api --version 1.2.0 --limit 20',
  route: (id) => (id === undefined ? undefined : { question: sessionQuestion, path: { id } }),
  print(answer, ctx) {
    if ('traces' in (answer as object)) return printSession(answer as SessionDetail, ctx.json, ctx.out);
    const r = answer as { sessions: SessionSummary[] };
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
      duration: seconds(s.durationMs / 1000),
      users: s.users.join(','),
      versions: s.versions.join(','),
    }));
    process.stdout.write(renderTable(['session', 'turns', 'errors', 'first_seen', 'last_seen', 'duration', 'users', 'versions'], rows, ctx.out));
    return 0;
  },
  unmatched: (answer, params) => ('sessions' in (answer as object) && (answer as { sessions: SessionSummary[] }).sessions.length === 0 && params.filter ? [String(params.filter)] : []),
};
