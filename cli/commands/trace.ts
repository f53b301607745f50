// `verdict trace <id>`: one trace as an indented tree of spans with their events.
import type { SpanNode, TraceTree } from '../../queries/trace.js';
import { UsageError } from '../errors.js';
import { ask } from '../question-client.js';
import { fixed, time } from '../question-format.js';
import type { QuestionContext } from '../question-commands.js';

export async function traceCommand(ctx: QuestionContext): Promise<number> {
  const id = ctx.positionals[0];
  if (!id || ctx.positionals.length > 1) throw new UsageError('usage: verdict trace <trace-id> [--json] [--api URL]');
  const t = await ask<TraceTree>(`/api/traces/${encodeURIComponent(id)}`, {}, ctx);
  if (ctx.json) {
    process.stdout.write(`${JSON.stringify(t, null, 2)}\n`);
    return 0;
  }
  const lines = [`trace ${t.traceId}: ${t.spanCount} spans, ${fixed(t.durationMs)} ms, ${t.services.join(', ')}, started ${time(t.start)}${t.sessionId ? `, session ${t.sessionId}` : ''}`];
  const walk = (n: SpanNode, depth: number) => {
    const status = n.status === 'Error' ? `  ERROR${n.statusMessage ? `: ${n.statusMessage}` : ''}` : '';
    lines.push(`${'  '.repeat(depth)}${n.name}  [${n.service}${n.version ? ` ${n.version}` : ''}]  ${fixed(n.durationMs)} ms${status}`);
    for (const e of n.events) lines.push(`${'  '.repeat(depth + 1)}• ${e.name} ${time(e.time)}${e.attributes['exception.message'] ? `: ${e.attributes['exception.message']}` : ''}`);
    for (const c of n.children) walk(c, depth + 1);
  };
  for (const root of t.roots) walk(root, 1);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
