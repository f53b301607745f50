// Over time: error rate, p95 latency and requests per version, with rollouts, rollbacks and
// canary windows marked on every chart. Dragging across a chart zooms; the range goes into the URL
// (from/to), so a zoomed view can be shared, and Back undoes a zoom.
import { useMemo } from 'preact/hooks';
import type { DeploymentsResult, TimeseriesResult, TimeseriesPoint } from '../api-types.js';
import { Answer, ErrorNote } from '../components/answer.js';
import { LocalTime } from '../components/local-time.js';
import { TimeChart, type ChartMarker, type ChartSeries } from '../components/time-chart.js';
import { formatCount, formatMs, formatPercent } from '../format.js';
import { colorFor } from '../palette.js';
import { navigate, scopeQuery, type Params } from '../route.js';
import { useApi } from '../use-api.js';

const CHARTS: Array<{ key: string; title: string; value: (p: TimeseriesPoint) => number; format: (v: number) => string }> = [
  { key: 'error-rate', title: 'Error rate', value: (p) => p.errorRate, format: (v) => formatPercent(v, 1) },
  { key: 'latency-p95', title: 'Latency p95', value: (p) => p.latencyMs.p95, format: formatMs },
  { key: 'requests', title: 'Requests per bucket', value: (p) => p.requests, format: formatCount },
];

export function OverTimeView(props: { params: Params }) {
  const { params } = props;
  const scope = scopeQuery(params);
  const series = useApi<TimeseriesResult>('/api/timeseries', scope);
  const deployments = useApi<DeploymentsResult>('/api/deployments', scope);
  const markers = useMemo(() => markersOf(deployments.data), [deployments.data]);

  const zoom = (fromMs: number, toMs: number) => navigate({ ...params, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
  const zoomOut = (answer: TimeseriesResult) => {
    const from = Date.parse(answer.from);
    const to = Date.parse(answer.to);
    const half = (to - from) / 2;
    zoom(from - half, Math.min(Date.now(), to + half));
  };

  return (
    <section aria-labelledby="time-title">
      <h1 id="time-title">Over time</h1>
      {deployments.error && <ErrorNote title="Could not load the deployments to mark" message={deployments.error.message} />}
      <Answer state={series} what="the series">
        {(answer) => {
          if (answer.series.length === 0) return <p data-testid="empty-scope">No requests in this scope and time range.</p>;
          const several = new Set(answer.series.map((s) => `${s.service}\u0000${s.environment}`)).size > 1;
          return (
            <>
              <div class="toolbar">
                <span class="muted small">
                  <LocalTime iso={answer.from} /> to <LocalTime iso={answer.to} />, {bucketWords(answer.bucketSeconds)} buckets. Drag across a chart to zoom.
                </span>
                <button type="button" onClick={() => zoomOut(answer)} data-testid="zoom-out">
                  Zoom out
                </button>
                {(params.from || params.to) && (
                  <button type="button" onClick={() => navigate({ ...params, from: undefined, to: undefined })}>
                    All time
                  </button>
                )}
              </div>
              <Charts answer={answer} markers={markers} labelWithScope={several} onZoom={zoom} />
              <DeploymentList markers={markers} />
            </>
          );
        }}
      </Answer>
    </section>
  );
}

function Charts(props: { answer: TimeseriesResult; markers: ChartMarker[]; labelWithScope: boolean; onZoom: (f: number, t: number) => void }) {
  const { answer } = props;
  // One x axis for every version: the union of their buckets; a version without a bucket there is a gap.
  const data = useMemo(() => {
    const times = [...new Set(answer.series.flatMap((s) => s.points.map((p) => Date.parse(p.time) / 1000)))].sort((a, b) => a - b);
    const index = new Map(times.map((t, i) => [t, i]));
    return CHARTS.map((chart) => ({
      chart,
      series: answer.series.map((s, i): ChartSeries => {
        const values: Array<number | null> = times.map(() => null);
        for (const p of s.points) values[index.get(Date.parse(p.time) / 1000)!] = chart.value(p);
        return { label: props.labelWithScope ? `${s.service} · ${s.environment} · ${s.version}` : s.version, color: colorFor(i), values };
      }),
      times,
    }));
  }, [answer, props.labelWithScope]);
  return (
    <div class="charts">
      {data.map(({ chart, series, times }) => (
        <TimeChart
          title={chart.title}
          testId={`chart-${chart.key}`}
          x={times}
          series={series}
          fromMs={Date.parse(answer.from)}
          toMs={Date.parse(answer.to)}
          format={chart.format}
          markers={props.markers}
          onZoom={props.onZoom}
        />
      ))}
    </div>
  );
}

function markersOf(d: DeploymentsResult | null): ChartMarker[] {
  if (!d) return [];
  const several = d.deployments.length > 1;
  return d.deployments.flatMap((dep) => {
    const where = several ? `${dep.service} · ${dep.environment}: ` : '';
    return [
      ...dep.rollouts.map((t): ChartMarker => ({ kind: 'rollout', atMs: Date.parse(t.at), label: `${where}${t.from} → ${t.to}` })),
      ...dep.rollbacks.map((t): ChartMarker => ({ kind: 'rollback', atMs: Date.parse(t.at), label: `${where}rollback ${t.from} → ${t.to}` })),
      ...dep.overlaps.map(
        (o): ChartMarker => ({
          kind: 'canary',
          atMs: Date.parse(o.from),
          toMs: Date.parse(o.to),
          label: `${where}${o.versions.map((v) => `${v.version} ${formatPercent(v.share, 0)}`).join(' / ')}`,
        }),
      ),
    ];
  });
}

/** The markers again as text: readable without the charts, and by screen readers. */
function DeploymentList(props: { markers: ChartMarker[] }) {
  if (props.markers.length === 0) return null;
  const words = { rollout: 'Rollout', rollback: 'Rollback', canary: 'Versions side by side' } as const;
  const sorted = [...props.markers].sort((a, b) => a.atMs - b.atMs);
  return (
    <section class="panel" aria-labelledby="marks-title">
      <h2 id="marks-title">Marked on the charts</h2>
      <ul class="plain" data-testid="deployment-list">
        {sorted.map((m) => (
          <li class={`mark-${m.kind}`}>
            {words[m.kind]} <LocalTime iso={new Date(m.atMs).toISOString()} />
            {m.toMs !== undefined && (
              <>
                {' '}
                to <LocalTime iso={new Date(m.toMs).toISOString()} />
              </>
            )}
            : {m.label}
          </li>
        ))}
      </ul>
    </section>
  );
}

function bucketWords(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}-day`;
  if (seconds % 3600 === 0) return `${seconds / 3600}-hour`;
  return `${seconds / 60}-minute`;
}
