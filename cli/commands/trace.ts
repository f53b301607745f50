// `verdict trace <id>`: one trace as an indented tree of spans with their events.
import { traceQuestion, type SpanNode, type TraceTree } from '../../queries/trace.js';
import { ms, time } from '../format.js';
import type { CliQuestion } from '../question-command.js';

export const traceCommand: CliQuestion = {
  command: 'trace',
  question: traceQuestion,
  argument: { param: 'traceId', usage: 'trace-id', description: 'the trace id (32 hex digits; MLflow\'s "tr-" prefix is accepted)', required: true },
  example: 'verdict trace 4bf92f3577b34da6a3ce929d0e0e4736',
  route: (traceId) => ({ question: traceQuestion, path: { traceId: traceId! } }),
  print(answer, ctx) {
    const t = answer as TraceTree;
    if (ctx.json) {
      process.stdout.write(`${JSON.stringify(t, null, 2)}\n`);
      return 0;
    }
    const { color } = ctx.out;
    const lines = [`trace ${t.traceId}: ${t.spanCount} spans, ${ms(t.durationMs)}, ${t.services.join(', ')}, started ${time(t.start)}${t.sessionId ? `, session ${t.sessionId}` : ''}`];
    const walk = (n: SpanNode, depth: number) => {
      const status = n.status === 'Error' ? color.red(`  ERROR${n.statusMessage ? `: ${n.statusMessage}` : ''}`) : '';
      lines.push(`${'  '.repeat(depth)}${n.name}  [${n.service}${n.version ? ` ${n.version}` : ''}]  ${ms(n.durationMs)}${status}`);
      for (const e of n.events) lines.push(`${'  '.repeat(depth + 1)}• ${e.name} ${time(e.time)}${e.attributes['exception.message'] ? `: ${e.attributes['exception.message']}` : ''}`);
      for (const c of n.children) walk(c, depth + 1);
    };
    for (const root of t.roots) walk(root, 1);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
