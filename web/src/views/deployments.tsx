// Deployments: per service and environment, the timeline of eras (which version served most
// traffic), rollouts, rollbacks and versions running side by side (canaries) with their traffic
// shares, and each version's first/last seen and commits.
import type { Deployment, DeploymentsResult } from '../api-types.js';
import { Answer } from '../components/answer.js';
import { Link } from '../components/link.js';
import { LocalTime, TimeCell } from '../components/local-time.js';
import { num, TableHead } from '../components/table-head.js';
import { formatCount, formatPercent } from '../format.js';
import { colorFor } from '../palette.js';
import { scopeQuery, withScope, type Params } from '../route.js';
import { useApi } from '../use-api.js';

export function DeploymentsView(props: { params: Params }) {
  const answer = useApi<DeploymentsResult>('/api/deployments', scopeQuery(props.params));
  return (
    <section aria-labelledby="deployments-title">
      <h1 id="deployments-title">Deployments</h1>
      <Answer state={answer} what="deployments">
        {(r) =>
          r.deployments.length === 0 ? (
            <p data-testid="empty-scope">No requests in this scope and time range.</p>
          ) : (
            r.deployments.map((d) => <DeploymentPanel params={props.params} d={d} />)
          )
        }
      </Answer>
    </section>
  );
}

function DeploymentPanel(props: { params: Params; d: Deployment }) {
  const { d, params } = props;
  const colorOf = new Map(d.versions.map((v, i) => [v.version, colorFor(i)]));
  return (
    <section class="panel" data-testid="deployment" data-service={d.service} data-environment={d.environment}>
      <h2>
        {d.service} <span class="muted">· {d.environment || '(no environment)'}</span>
      </h2>
      <Timeline d={d} colorOf={colorOf} />
      <div class="columns">
        <TransitionList title="Rollouts" items={d.rollouts} testId="rollouts" />
        <TransitionList title="Rollbacks" items={d.rollbacks} testId="rollbacks" />
        <div>
          <h3>Side by side (canaries)</h3>
          {d.overlaps.length === 0 ? (
            <p class="muted small">none</p>
          ) : (
            <ul class="plain" data-testid="overlaps">
              {d.overlaps.map((o) => (
                <li>
                  <LocalTime iso={o.from} /> to <LocalTime iso={o.to} />:{' '}
                  {o.versions.map((v, i) => (
                    <>
                      {i > 0 && ', '}
                      <span data-share={v.share}>
                        {v.version} {formatPercent(v.share, 1)} ({formatCount(v.requests)} requests)
                      </span>
                    </>
                  ))}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <div class="table-scroll">
        <table>
          <TableHead columns={['Version', num('Requests'), 'First seen', 'Last seen', 'Commits']} />
          <tbody>
            {d.versions.map((v) => (
              <tr data-version={v.version}>
                <th scope="row">
                  <span class="swatch" style={{ background: colorOf.get(v.version) }} aria-hidden="true" />
                  <Link to={withScope(params, { view: 'errors', service: d.service, env: d.environment, version: v.version })} title={`Errors of ${v.version}`}>
                    {v.version}
                  </Link>
                  {v.live && <span class="badge live">live</span>}
                </th>
                <td class="num">{formatCount(v.requests)}</td>
                <TimeCell iso={v.firstSeen} />
                <TimeCell iso={v.lastSeen} />
                <td class="mono small">{v.commits.map((c) => c.slice(0, 12)).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Eras as coloured segments on a time axis from the first era's start to the last one's end, canaries hatched above them. */
function Timeline(props: { d: Deployment; colorOf: Map<string, string> }) {
  const { d } = props;
  if (d.eras.length === 0) return null;
  const start = Date.parse(d.eras[0].from);
  const end = Date.parse(d.eras[d.eras.length - 1].to);
  const pct = (iso: string) => `${(((Date.parse(iso) - start) / Math.max(1, end - start)) * 100).toFixed(3)}%`;
  const width = (from: string, to: string) => `${(((Date.parse(to) - Date.parse(from)) / Math.max(1, end - start)) * 100).toFixed(3)}%`;
  return (
    <div class="timeline" data-testid="timeline" role="img" aria-label={d.eras.map((e) => `${e.version} from ${e.from} to ${e.to}`).join('; ')}>
      <div class="timeline-lane overlaps-lane">
        {d.overlaps.map((o) => (
          <div class="overlap" style={{ left: pct(o.from), width: width(o.from, o.to) }} title={o.versions.map((v) => `${v.version} ${formatPercent(v.share, 1)}`).join(', ')} />
        ))}
      </div>
      <div class="timeline-lane">
        {d.eras.map((e) => (
          <div class="era" data-version={e.version} data-from={e.from} style={{ left: pct(e.from), width: width(e.from, e.to), background: props.colorOf.get(e.version) }} title={e.version}>
            <span>{e.version}</span>
          </div>
        ))}
        {d.rollbacks.map((t) => (
          <div class="timeline-rollback" data-at={t.at} style={{ left: pct(t.at) }} title={`rollback to ${t.to}`} />
        ))}
      </div>
      <div class="timeline-axis small muted">
        <LocalTime iso={d.eras[0].from} />
        <LocalTime iso={d.eras[d.eras.length - 1].to} />
      </div>
    </div>
  );
}

function TransitionList(props: { title: string; items: Array<{ at: string; from: string; to: string }>; testId: string }) {
  return (
    <div>
      <h3>{props.title}</h3>
      {props.items.length === 0 ? (
        <p class="muted small">none</p>
      ) : (
        <ul class="plain" data-testid={props.testId}>
          {props.items.map((t) => (
            <li data-at={t.at}>
              <LocalTime iso={t.at} />: {t.from} → {t.to}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
