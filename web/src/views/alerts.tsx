// Alerts: regressions the watcher found, newest first, each with both values, the version to roll
// back to and a link to its comparison.
import type { Alert } from '../api-types.js';
import { Answer } from '../components/answer.js';
import { Link } from '../components/link.js';
import { TimeCell } from '../components/local-time.js';
import { TableHead } from '../components/table-head.js';
import { formatMs, formatPercent } from '../format.js';
import { withScope, type Params } from '../route.js';
import { useApi } from '../use-api.js';

const value = (metric: string, v: number) => (metric === 'errorRate' ? formatPercent(v) : metric.startsWith('latency') ? formatMs(v) : v.toFixed(2));

export function AlertsView(props: { params: Params }) {
  const { params } = props;
  const alerts = useApi<{ alerts: Alert[] }>('/api/alerts', { service: params.service });
  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Alerts</h1>
      <Answer state={alerts} what="alerts">
        {(a) =>
          a.alerts.length === 0 ? (
            <p class="muted" data-testid="no-alerts">No regression found. The watcher in verdict serve compares every canary with its baseline each minute.</p>
          ) : (
            <div class="table-scroll">
              <table data-testid="alerts">
                <TableHead columns={['State', 'Opened', 'Service', 'Environment', 'Version', 'Metric', 'Candidate', 'Baseline', 'Roll back to', 'Resolved']} />
                <tbody>
                  {a.alerts.map((x) => (
                    <tr class={x.state === 'firing' ? 'failed' : ''} data-state={x.state}>
                      <td>{x.state}</td>
                      <TimeCell iso={x.openedAt} />
                      <td>{x.service}</td>
                      <td>{x.environment}</td>
                      <td>
                        <Link to={withScope(params, { view: 'compare', service: x.service, env: x.environment, baseline: x.baseline, candidate: x.version })}>{x.version}</Link>
                      </td>
                      <td>{x.metric}</td>
                      <td class="num">{value(x.metric, x.candidateValue)}</td>
                      <td class="num">
                        {value(x.metric, x.baselineValue)} ({x.baseline})
                      </td>
                      <td>{x.rollbackTo ? `${x.rollbackTo.version}${x.rollbackTo.commit ? ` @${x.rollbackTo.commit.slice(0, 12)}` : ''}` : ''}</td>
                      {x.resolvedAt ? <TimeCell iso={x.resolvedAt} /> : <td />}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Answer>
    </section>
  );
}
