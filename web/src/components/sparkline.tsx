// A small line of one version's traffic over time, drawn as SVG (a whole chart library per table
// row would cost more than the table). Values only ever become coordinates.
export function Sparkline(props: { values: number[]; label: string }) {
  const { values } = props;
  const width = 120;
  const height = 28;
  if (values.length === 0) return <span class="muted">—</span>;
  const max = Math.max(...values, 1);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  return (
    <svg class="sparkline" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={props.label}>
      <polyline points={values.length > 1 ? points : `0,${height / 2} ${width},${height / 2}`} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}
