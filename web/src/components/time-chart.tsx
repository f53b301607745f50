// One time-series chart (uPlot: canvas, fast with many points) with deployment markers over it.
// Markers are DOM elements placed at their time on the x scale, so they can be hovered, focused and
// found by a test; dragging across the chart zooms (the caller puts the new range in the URL).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { formatLocalTime, formatUtc } from '../format.js';

export interface ChartSeries {
  label: string;
  color: string;
  /** One value per x, null where the series has no bucket. */
  values: Array<number | null>;
}

export interface ChartMarker {
  kind: 'rollout' | 'rollback' | 'canary';
  /** Epoch ms; a canary also has an end. */
  atMs: number;
  toMs?: number;
  label: string;
}

export interface TimeChartProps {
  title: string;
  /** Bucket starts, epoch seconds, ascending. */
  x: number[];
  series: ChartSeries[];
  /** The x range to show, epoch ms. */
  fromMs: number;
  toMs: number;
  format: (v: number) => string;
  markers: ChartMarker[];
  onZoom?: (fromMs: number, toMs: number) => void;
  testId?: string;
}

const HEIGHT = 220;

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export function TimeChart(props: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  // The latest props for uPlot's callbacks, which are bound once per chart.
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let chart: uPlot | null = null;
    const build = () => {
      chart?.destroy();
      chart = new uPlot(options(el.clientWidth, latest), [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData, el);
    };
    build();
    const resize = new ResizeObserver(() => chart?.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    // Axis and grid colours come from the stylesheet: redraw when the viewer switches light/dark.
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', build);
    return () => {
      resize.disconnect();
      scheme.removeEventListener('change', build);
      chart?.destroy();
    };
    // A new answer (x, series, range or markers) builds a new chart; callbacks read `latest`.
  }, [props.x, props.series, props.fromMs, props.toMs, props.markers]);

  return (
    <figure class="chart" data-testid={props.testId} data-from={new Date(props.fromMs).toISOString()} data-to={new Date(props.toMs).toISOString()}>
      <figcaption>{props.title}</figcaption>
      <div ref={host} class="chart-canvas" />
    </figure>
  );
}

function options(width: number, latest: { current: TimeChartProps }): uPlot.Options {
  const p = latest.current;
  const axis = cssVar('--muted') || '#666';
  const grid = cssVar('--grid') || 'rgba(128,128,128,0.2)';
  const markerEls: HTMLElement[] = [];
  return {
    width: Math.max(200, width),
    height: HEIGHT,
    // Rates, latencies and counts are read against zero, not against their own minimum.
    scales: { x: { time: true, min: p.fromMs / 1000, max: p.toMs / 1000 }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    series: [
      { value: (_u, v) => (v == null ? '—' : formatLocalTime(new Date(v * 1000).toISOString())) },
      ...p.series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        spanGaps: false,
        points: { show: p.x.length < 60 },
        value: (_u: uPlot, v: number | null) => (v == null ? '—' : p.format(v)),
      })),
    ],
    axes: [
      { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid } },
      { stroke: axis, grid: { stroke: grid }, ticks: { stroke: grid }, size: 70, values: (_u, splits) => splits.map((v) => p.format(v)) },
    ],
    cursor: { drag: { x: true, y: false, setScale: false }, sync: { key: 'verdict-time' } },
    legend: { live: true },
    hooks: {
      ready: [
        (u) => {
          for (const m of p.markers) markerEls.push(markerElement(m, u.over));
          u.root.closest('figure')?.setAttribute('data-ready', 'true');
        },
      ],
      draw: [(u) => placeMarkers(u, p.markers, markerEls)],
      setSelect: [
        (u) => {
          const { left, width: w } = u.select;
          if (w < 4) return;
          const from = u.posToVal(left, 'x') * 1000;
          const to = u.posToVal(left + w, 'x') * 1000;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          latest.current.onZoom?.(Math.round(from), Math.round(to));
        },
      ],
    },
  };
}

function markerElement(m: ChartMarker, over: HTMLElement): HTMLElement {
  const el = document.createElement('div');
  el.className = `marker marker-${m.kind}`;
  el.dataset.at = new Date(m.atMs).toISOString();
  if (m.toMs !== undefined) el.dataset.to = new Date(m.toMs).toISOString();
  const when = `${formatLocalTime(el.dataset.at)} (${formatUtc(el.dataset.at)})`;
  // Text only: version names come from the spans.
  el.title = `${m.label}, ${when}`;
  el.setAttribute('aria-label', el.title);
  el.setAttribute('role', 'img');
  el.tabIndex = 0;
  const flag = document.createElement('span');
  flag.className = 'marker-label';
  flag.textContent = m.label;
  el.append(flag);
  over.append(el);
  return el;
}

function placeMarkers(u: uPlot, markers: ChartMarker[], els: HTMLElement[]): void {
  markers.forEach((m, i) => {
    const el = els[i];
    if (!el) return;
    const left = u.valToPos(m.atMs / 1000, 'x');
    const right = m.toMs === undefined ? left : u.valToPos(m.toMs / 1000, 'x');
    const visible = right >= 0 && left <= u.over.clientWidth;
    el.hidden = !visible;
    el.style.left = `${left}px`;
    if (m.toMs !== undefined) el.style.width = `${Math.max(1, right - left)}px`;
  });
}
