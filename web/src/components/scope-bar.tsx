// The scope every view shares: service, environment and time range, in the URL. Services and
// environments are the ones the store knows (from /api/versions); the range is a preset age or,
// after zooming a chart, an exact from–to that can be cleared.
import { useMemo } from 'preact/hooks';
import { ChoiceSelect } from './choice-select.js';
import { formatLocalTime } from '../format.js';
import { navigate, type Params } from '../route.js';
import { useKnownVersions } from '../known-versions.js';

export const RANGE_PRESETS: Array<{ value: string; label: string }> = [
  { value: '', label: 'All time' },
  { value: '15m', label: 'Last 15 minutes' },
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
];

export function ScopeBar(props: { params: Params }) {
  const { params } = props;
  const known = useKnownVersions();
  const services = useMemo(() => [...new Set(known.data?.versions.map((v) => v.service) ?? [])].sort(), [known.data]);
  const envs = useMemo(
    () => [...new Set(known.data?.versions.filter((v) => !params.service || v.service === params.service).map((v) => v.environment) ?? [])].filter(Boolean).sort(),
    [known.data, params.service],
  );
  const set = (next: Params) => navigate({ ...params, ...next });
  const preset = RANGE_PRESETS.some((r) => r.value === (params.from ?? '')) && !params.to;
  const rangeValue = preset ? (params.from ?? '') : 'custom';

  return (
    <form class="scope-bar" aria-label="Scope" onSubmit={(e) => e.preventDefault()}>
      <ChoiceSelect label="Service" value={params.service} choices={services} anyLabel="All services" onChange={(service) => set({ service, env: undefined })} testId="scope-service" />
      <ChoiceSelect label="Environment" value={params.env} choices={envs} anyLabel="All environments" onChange={(env) => set({ env })} testId="scope-env" />
      <label>
        <span>Time</span>
        <select
          value={rangeValue}
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            if (v !== 'custom') set({ from: v || undefined, to: undefined });
          }}
          data-testid="scope-range"
        >
          {RANGE_PRESETS.map((r) => (
            <option value={r.value}>{r.label}</option>
          ))}
          {!preset && <option value="custom">{customLabel(params)}</option>}
        </select>
      </label>
      {!preset && (
        <button type="button" class="link-button" onClick={() => set({ from: undefined, to: undefined })}>
          Clear time range
        </button>
      )}
      {known.error && <span class="muted small">(services unavailable: {known.error.message})</span>}
    </form>
  );
}

function customLabel(params: Params): string {
  const at = (v: string | undefined) => (v && /^\d{4}-/.test(v) ? formatLocalTime(v) : (v ?? '…'));
  return `${at(params.from)} – ${at(params.to ?? 'now')}`;
}
