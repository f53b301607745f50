// Overview: every service × environment with its versions side by side — what is live now,
// requests, error rate, latency, tokens, cost, the main feedback and a sparkline of traffic. The
// feedback is asked apart, after the table's own questions (it reads the assessments, slower on a
// large store), and fills its columns when it comes. A version's name opens its
// comparison with the version before it. An empty store shows how to send the first spans, and
// fills in by itself when they arrive.
import { useEffect } from 'preact/hooks';
import type { DeploymentsResult, TimeseriesResult, VersionRecord, VersionRow, VersionsResult } from '../api-types.js';
import { stageLabel } from './version-record.js';
import { Answer, ErrorNote } from '../components/answer.js';
import { FirstSpans } from '../components/first-spans.js';
import { Link } from '../components/link.js';
import { LocalTime, TimeCell } from '../components/local-time.js';
import { Sparkline } from '../components/sparkline.js';
import { num, TableHead } from '../components/table-head.js';
import { formatCount, formatMs, formatPercent, formatScore, formatTokens, formatUsd, NONE } from '../format.js';
import { scopeQuery, withScope, type Params } from '../route.js';
import { useApi } from '../use-api.js';

interface Column {
  key: string;
  header: string;
  cell(v: VersionRow): string;
}

export const OVERVIEW_COLUMNS: Column[] = [
  { key: 'requests', header: 'Requests', cell: (v) => formatCount(v.requests) },
  { key: 'errorRate', header: 'Error rate', cell: (v) => formatPercent(v.errorRate) },
  { key: 'p50', header: 'p50', cell: (v) => formatMs(v.latencyMs?.p50) },
  { key: 'p95', header: 'p95', cell: (v) => formatMs(v.latencyMs?.p95) },
  { key: 'inputTokens', header: 'Input tokens / request', cell: (v) => formatTokens(v.inputTokensPerRequest) },
  { key: 'outputTokens', header: 'Output tokens / request', cell: (v) => formatTokens(v.outputTokensPerRequest) },
  // A version with unpriced LLM calls says so: its cost leaves them out.
  { key: 'costPerRequest', header: 'Cost / request', cell: (v) => `${formatUsd(v.costPerRequestUsd)}${v.unpricedCalls > 0 ? ' *' : ''}` },
  { key: 'cost', header: 'Total cost', cell: (v) => `${formatUsd(v.costUsd)}${v.unpricedCalls > 0 ? ' *' : ''}` },
];

/** Feedback columns per service and environment: the names rated most often there, at most this many. */
const MAIN_FEEDBACK = 2;

type Feedback = NonNullable<VersionRow['feedback']>[number];

/** The group's main feedback names: most assessments first, then by name. */
export function mainFeedback(rows: VersionRow[]): Array<{ name: string; type: Feedback['type'] }> {
  const totals = new Map<string, { n: number; type: Feedback['type'] }>();
  for (const f of rows.flatMap((v) => v.feedback ?? [])) {
    const t = totals.get(f.name);
    totals.set(f.name, { n: (t?.n ?? 0) + f.count, type: t && t.type !== f.type ? 'numeric' : f.type });
  }
  return [...totals]
    .sort(([a, x], [b, y]) => y.n - x.n || a.localeCompare(b))
    .slice(0, MAIN_FEEDBACK)
    .map(([name, t]) => ({ name, type: t.type }));
}

/** A boolean feedback as its rate of true, a numeric one as its mean. */
export const formatFeedback = (f: Feedback | undefined) => (!f ? NONE : f.type === 'boolean' ? formatPercent(f.value) : formatScore(f.value));

const EMPTY_POLL_MS = 3000;

const groupKey = (service: string, environment: string) => `${service}\u0000${environment}`;

export function OverviewView(props: { params: Params }) {
  const { params } = props;
  const scope = scopeQuery(params);
  const versions = useApi<VersionsResult>('/api/versions', scope);
  const deployments = useApi<DeploymentsResult>('/api/deployments', scope);
  const trends = useApi<TimeseriesResult>('/api/timeseries', scope);
  const registry = useApi<{ versions: VersionRecord[] }>('/api/registry/versions', { service: params.service });
  const feedback = useApi<VersionsResult>('/api/versions', { ...scope, feedback: true }, { share: true });
  const unscoped = !params.service && !params.env && !params.from && !params.to;
  // An empty store is waiting for its first spans (`npm run example`): look again until they come.
  const empty = versions.data?.versions.length === 0 && unscoped;
  useEffect(() => {
    if (!empty) return;
    const timer = setInterval(() => {
      versions.reload();
      deployments.reload();
      trends.reload();
    }, EMPTY_POLL_MS);
    return () => clearInterval(timer);
  }, [empty, versions.reload, deployments.reload, trends.reload]);

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Versions</h1>
      {deployments.error && <ErrorNote title="Could not load what is live" message={deployments.error.message} />}
      {trends.error && <ErrorNote title="Could not load the trends" message={trends.error.message} />}
      {feedback.error && <ErrorNote title="Could not load the feedback" message={feedback.error.message} />}
      <Answer state={versions} what="versions">
        {(answer) => {
          if (answer.versions.length === 0) return unscoped ? <FirstSpans /> : <p data-testid="empty-scope">No requests in this scope. Try another service, environment or time range.</p>;
          const groups = new Map<string, VersionRow[]>();
          for (const v of answer.versions) {
            const k = groupKey(v.service, v.environment);
            groups.set(k, [...(groups.get(k) ?? []), v]);
          }
          return [...groups.values()].map((rows) => (
            <VersionGroup params={params} rows={rows} deployments={deployments.data} trends={trends.data} records={registry.data?.versions ?? []} feedback={feedback.data} />
          ));
        }}
      </Answer>
    </section>
  );
}

function VersionGroup(props: { params: Params; rows: VersionRow[]; deployments: DeploymentsResult | null; trends: TimeseriesResult | null; records: VersionRecord[]; feedback: VersionsResult | null }) {
  const { rows, params } = props;
  const { service, environment } = rows[0];
  const deployment = props.deployments?.deployments.find((d) => d.service === service && d.environment === environment);
  const live = new Set(deployment?.live ?? []);
  const bucketMinutes = props.trends ? props.trends.bucketSeconds / 60 : 0;
  const feedbackRows = (props.feedback?.versions ?? []).filter((v) => v.service === service && v.environment === environment);
  const feedback = mainFeedback(feedbackRows);
  return (
    <section class="panel version-group" data-testid="version-group" data-service={service} data-environment={environment}>
      <h2>
        {service} <span class="muted">· {environment || '(no environment)'}</span>
      </h2>
      {deployment && (
        <p class="muted small">
          Live now: {deployment.live.length ? deployment.live.join(', ') : 'none'} (as of <LocalTime iso={deployment.asOf} />)
        </p>
      )}
      <div class="table-scroll">
        <table>
          <TableHead
            columns={[
              'Version',
              'Stage',
              ...OVERVIEW_COLUMNS.map((c) => num(c.header)),
              ...feedback.map((f) => num(f.type === 'boolean' ? `${f.name} rate` : `${f.name} mean`)),
              'Requests over time',
              'First seen',
              'Last seen',
            ]}
          />
          <tbody>
            {rows.map((v, i) => {
              const record = props.records.find((r) => r.service === service && r.version === v.version);
              const drift = record?.drift.filter((d) => d.environment === environment) ?? [];
              const points = props.trends?.series.find((s) => s.service === service && s.environment === environment && s.version === v.version)?.points ?? [];
              return (
                <tr data-version={v.version}>
                  <th scope="row">
                    <CompareLink params={params} rows={rows} index={i} />
                    {live.has(v.version) && <span class="badge live">live</span>}
                  </th>
                  <td data-testid="stage">
                    <Link to={withScope(params, { view: 'version', service, version: v.version })} title={`${v.version}'s record and history`}>
                      {(record && stageLabel(record)) || 'record'}
                    </Link>
                    {drift.length > 0 && (
                      <span class="badge new" title={drift.map((d) => d.message).join('\n')} data-testid="drift">
                        drift
                      </span>
                    )}
                  </td>
                  {OVERVIEW_COLUMNS.map((c) => (
                    <td class="num" data-metric={c.key} title={c.key.startsWith('cost') && v.unpricedCalls > 0 ? `${formatCount(v.unpricedCalls)} LLM calls have no price and are left out` : undefined}>
                      {c.cell(v)}
                    </td>
                  ))}
                  {feedback.map(({ name }) => {
                    const f = feedbackRows.find((x) => x.version === v.version)?.feedback?.find((x) => x.name === name);
                    return (
                      <td class="num" data-feedback={name} title={f ? `${formatCount(f.count)} rated, ${formatPercent(f.coverage, 1)} of requests` : 'no feedback'}>
                        {formatFeedback(f)}
                      </td>
                    );
                  })}
                  <td>
                    {props.trends && <Sparkline values={points.map((p) => p.requests)} label={`${v.version}: requests per ${bucketMinutes} minutes`} />}
                  </td>
                  <TimeCell iso={v.firstSeen} />
                  <TimeCell iso={v.lastSeen} />
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** A version compared with the one before it; the first version with the one after it. */
function CompareLink(props: { params: Params; rows: VersionRow[]; index: number }) {
  const { rows, index } = props;
  const v = rows[index];
  const other = index > 0 ? rows[index - 1] : rows[1];
  const [baseline, candidate] = !other ? [v.version, undefined] : index > 0 ? [other.version, v.version] : [v.version, other.version];
  const to = withScope(props.params, { view: 'compare', service: v.service, env: v.environment, baseline, candidate });
  const title = other ? `Compare ${candidate} with ${baseline}` : `Compare ${v.version}`;
  return (
    <Link to={to} title={title} class="version-link" data-testid="version-link">
      {v.version || '(no version)'}
    </Link>
  );
}
