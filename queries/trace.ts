// trace: one trace's spans as a tree (children under their parent, in start order), with events
// and links. A span whose parent is not stored (not yet arrived, or sampled out) becomes a root.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { answer, defineQuestion, Iso } from './question.js';
import { QueryInputError, isoFromMs, num, queryRows, renderSql, round } from './run-query.js';

const Attributes = Type.Record(Type.String(), Type.String());

export const SpanEventSchema = answer({ time: Iso(), timeUnixNano: Type.String(), name: Type.String(), attributes: Attributes });
export type SpanEvent = Static<typeof SpanEventSchema>;

export const SpanNodeSchema = Type.Recursive(
  (Node) =>
    answer({
      spanId: Type.String(),
      parentSpanId: Type.String(),
      name: Type.String(),
      kind: Type.String(),
      service: Type.String(),
      start: Iso(),
      startUnixNano: Type.String(),
      durationMs: Type.Number(),
      status: Type.String(),
      statusMessage: Type.String(),
      version: Type.String(),
      environment: Type.String(),
      attributes: Attributes,
      resource: Attributes,
      events: Type.Array(SpanEventSchema),
      links: Type.Array(answer({ traceId: Type.String(), spanId: Type.String(), attributes: Attributes })),
      children: Type.Array(Node),
    }),
  { $id: 'SpanNode' },
);
export type SpanNode = Static<typeof SpanNodeSchema>;

export const TraceTreeSchema = answer({
  traceId: Type.String(),
  spanCount: Type.Integer(),
  start: Iso(),
  durationMs: Type.Number(),
  services: Type.Array(Type.String()),
  sessionId: Type.String(),
  roots: Type.Array(SpanNodeSchema),
});
export type TraceTree = Static<typeof TraceTreeSchema>;

export const MAX_TRACE_SPANS = 10_000;

/** Accepts a 32-hex-digit trace id in any case, with MLflow's "tr-" prefix or not. */
export function normalizeTraceId(id: string): string {
  const t = id.trim().replace(/^tr-/i, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(t)) throw new QueryInputError(`a trace id is 32 hexadecimal digits, got ${JSON.stringify(id)}`);
  return t;
}

export async function trace(client: ClickHouseClient, traceId: string): Promise<TraceTree | null> {
  const id = normalizeTraceId(traceId);
  // Two steps: the trace's time range from the small lookup table, then its spans within that range
  // only; a trace the lookup does not know has no spans (the lookup is filled by a materialized view).
  const [bounds] = await queryRows(client, renderSql('trace-bounds'), { trace: id });
  if (!bounds || num(bounds.start_s) === 0) return null;
  const rows = await queryRows(client, renderSql('trace'), { trace: id, limit: MAX_TRACE_SPANS, start_s: num(bounds.start_s), end_s: num(bounds.end_s) });
  if (rows.length === 0) return null;
  const nodes = rows.map((r): SpanNode => {
    const eventNs = r.event_ns as string[];
    const names = r.event_names as string[];
    const eventAttrs = r.event_attributes as Record<string, string>[];
    const linkTraces = r.link_trace_ids as string[];
    const linkSpans = r.link_span_ids as string[];
    const linkAttrs = r.link_attributes as Record<string, string>[];
    return {
      spanId: String(r.span_id),
      parentSpanId: String(r.parent_span_id),
      name: String(r.name),
      kind: String(r.kind),
      service: String(r.service),
      start: isoFromMs(nsToMs(String(r.start_ns))),
      startUnixNano: String(r.start_ns),
      durationMs: round(Number(r.duration_ns) / 1e6, 3),
      status: String(r.status),
      statusMessage: String(r.status_message),
      version: String(r.version),
      environment: String(r.environment),
      attributes: r.attributes as Record<string, string>,
      resource: r.resource as Record<string, string>,
      events: eventNs.map((ns, i) => ({ time: isoFromMs(nsToMs(ns)), timeUnixNano: ns, name: names[i], attributes: eventAttrs[i] })),
      links: linkTraces.map((t, i) => ({ traceId: t, spanId: linkSpans[i], attributes: linkAttrs[i] })),
      children: [],
    };
  });
  const byId = new Map(nodes.map((n) => [n.spanId, n]));
  const roots: SpanNode[] = [];
  for (const n of nodes) {
    const parent = n.parentSpanId ? byId.get(n.parentSpanId) : undefined;
    if (parent && parent !== n) parent.children.push(n);
    else roots.push(n);
  }
  const starts = rows.map((r) => BigInt(String(r.start_ns)));
  const ends = rows.map((r) => BigInt(String(r.start_ns)) + BigInt(String(r.duration_ns)));
  const min = starts.reduce((a, b) => (b < a ? b : a));
  const max = ends.reduce((a, b) => (b > a ? b : a));
  return {
    traceId: id,
    spanCount: nodes.length,
    start: isoFromMs(nsToMs(min.toString())),
    durationMs: round(Number(max - min) / 1e6, 3),
    services: [...new Set(nodes.map((n) => n.service))].sort(),
    sessionId: String(rows.find((r) => r.session_id)?.session_id ?? ''),
    roots,
  };
}

function nsToMs(ns: string): number {
  return Number(BigInt(ns) / 1_000_000n);
}

export const traceQuestion = defineQuestion({
  name: 'trace',
  path: '/api/traces/:traceId',
  summary: 'One trace as a tree of spans',
  description: 'All spans of the trace, children under their parents in start order, with attributes, events and links.',
  params: Type.Object({}),
  pathParams: Type.Object({ traceId: Type.String({ description: 'Trace id: 32 hexadecimal digits (an MLflow "tr-" prefix is accepted).' }) }),
  response: TraceTreeSchema,
  notFound: 'no spans with this trace id',
  run: (client, _p, path) => trace(client, path.traceId),
});
