// One trace as a waterfall: every span on a shared time axis, children under their parent in
// start order; choosing a span shows its details. Span names and attributes are strangers' text
// and are rendered as text only.
import { useMemo, useState } from 'preact/hooks';
import type { SpanNode, TraceTree } from '../api-types.js';
import { Answer } from '../components/answer.js';
import { Link } from '../components/link.js';
import { LocalTime } from '../components/local-time.js';
import { formatCount, formatMs } from '../format.js';
import { withScope, type Params } from '../route.js';
import { useApi } from '../use-api.js';
import { SpanDetails } from './span-details.js';

export interface WaterfallRow {
  span: SpanNode;
  depth: number;
  offsetMs: number;
}

/** Depth-first, children in the order the API gives them (start order), with each span's start relative to the trace's. */
export function waterfallRows(trace: TraceTree): WaterfallRow[] {
  const all: Array<{ span: SpanNode; depth: number }> = [];
  const walk = (s: SpanNode, depth: number) => {
    all.push({ span: s, depth });
    for (const c of s.children) walk(c, depth + 1);
  };
  for (const r of trace.roots) walk(r, 0);
  const first = all.reduce((min, r) => (BigInt(r.span.startUnixNano) < min ? BigInt(r.span.startUnixNano) : min), BigInt(all[0]?.span.startUnixNano ?? '0'));
  return all.map((r) => ({ ...r, offsetMs: Number(BigInt(r.span.startUnixNano) - first) / 1e6 }));
}

export function TraceView(props: { params: Params }) {
  const { params } = props;
  const id = params.id ?? '';
  const answer = useApi<TraceTree>(id ? `/api/traces/${encodeURIComponent(id)}` : null);
  return (
    <section aria-labelledby="trace-title">
      <h1 id="trace-title">
        Trace <span class="mono">{id}</span>
      </h1>
      {!id && <p>No trace id in the address. Find traces with Search.</p>}
      {id && <Answer state={answer} what="the trace">{(t) => <Waterfall params={params} trace={t} />}</Answer>}
    </section>
  );
}

function Waterfall(props: { params: Params; trace: TraceTree }) {
  const { trace, params } = props;
  const rows = useMemo(() => waterfallRows(trace), [trace]);
  const total = Math.max(trace.durationMs, 0.001);
  const firstError = rows.find((r) => r.span.status === 'Error');
  const [selected, setSelected] = useState<string>((firstError ?? rows[0]).span.spanId);
  const chosen = rows.find((r) => r.span.spanId === selected) ?? rows[0];
  const pct = (ms: number) => `${Math.min(100, Math.max(0, (ms / total) * 100)).toFixed(3)}%`;
  return (
    <>
      <p class="muted">
        {formatCount(trace.spanCount)} spans, {formatMs(trace.durationMs)}, started <LocalTime iso={trace.start} /> · {trace.services.join(', ')}
        {trace.sessionId && (
          <>
            {' · session '}
            <Link to={withScope(params, { view: 'session', id: trace.sessionId })} class="mono">
              {trace.sessionId}
            </Link>
          </>
        )}
      </p>
      <div class="trace-layout">
        <div class="waterfall panel" data-testid="waterfall">
          <div class="span-grid waterfall-axis small muted" aria-hidden="true">
            <span />
            <span class="span-service" />
            <span class="axis-ticks">
              {[0, 0.5, 1].map((f) => (
                <span>{formatMs(total * f)}</span>
              ))}
            </span>
            <span />
          </div>
          <ol class="plain" aria-label="Spans in start order">
            {rows.map((r) => (
              <li class={`span-row ${r.span.status === 'Error' ? 'failed' : ''}`} data-span-id={r.span.spanId}>
                <button
                  type="button"
                  class="span-grid"
                  aria-pressed={r.span.spanId === chosen.span.spanId}
                  onClick={() => setSelected(r.span.spanId)}
                  data-testid="span-row"
                >
                  <span class="span-name" style={{ paddingLeft: `${r.depth * 14}px` }}>
                    {r.span.name}
                  </span>
                  <span class="span-service muted small">{r.span.service}</span>
                  <span class="span-track" aria-hidden="true">
                    <span class="span-bar" style={{ left: pct(r.offsetMs), width: `max(2px, ${pct(r.span.durationMs)})` }} />
                  </span>
                  <span class="span-duration num small">{formatMs(r.span.durationMs)}</span>
                </button>
              </li>
            ))}
          </ol>
        </div>
        <SpanDetails span={chosen.span} />
      </div>
    </>
  );
}
