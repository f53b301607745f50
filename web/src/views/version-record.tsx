// A version's record from the registry: stage, golden mark, commit and branch, parameters, prompts,
// configuration, notes, drift, and its history (audited events beside what the traffic did).
import type { HistoryEntry, VersionRecord } from '../api-types.js';
import { Answer } from '../components/answer.js';
import { Link } from '../components/link.js';
import { LocalTime, TimeCell } from '../components/local-time.js';
import { TableHead } from '../components/table-head.js';
import { formatCount } from '../format.js';
import { withScope, type Params } from '../route.js';
import { useApi } from '../use-api.js';

export function stageLabel(r: Pick<VersionRecord, 'stage' | 'productionEnvironments' | 'golden'>): string {
  const stage = r.stage === 'production' && r.productionEnvironments.length ? `production (${r.productionEnvironments.join(', ')})` : r.stage === 'none' ? '' : r.stage;
  return [stage, r.golden ? 'golden' : ''].filter(Boolean).join(' · ');
}

export function VersionRecordView(props: { params: Params }) {
  const { params } = props;
  const path = params.service && params.version ? `/api/registry/versions/${encodeURIComponent(params.service)}/${encodeURIComponent(params.version)}` : null;
  const record = useApi<VersionRecord>(path, {});
  const history = useApi<{ history: HistoryEntry[] }>(path ? `${path}/history` : null, {});
  if (!path) return <p class="muted">Open a version from the Versions view.</p>;
  return (
    <section aria-labelledby="version-title">
      <h1 id="version-title">
        {params.service} {params.version}
      </h1>
      <Answer state={record} what="the version's record">
        {(r) => (
          <div class="panel" data-testid="version-record">
            <p>
              Stage: <strong data-testid="stage">{stageLabel(r) || 'none'}</strong>
              {r.archiveReason && <span class="muted"> — {r.archiveReason}</span>}
            </p>
            <p class="small">
              Commit <code>{r.commit || '?'}</code>
              {r.branch && <> on {r.branch}</>} · {formatCount(r.requests)} requests in {r.environments.join(', ') || 'no environment'} · seen <LocalTime iso={r.firstSeen} /> to <LocalTime iso={r.lastSeen} />
            </p>
            {r.drift.length > 0 && (
              <ul class="warnings" data-testid="drift">
                {r.drift.map((d) => (
                  <li>{d.message}</li>
                ))}
              </ul>
            )}
            <Pairs title="Parameters" values={r.params} />
            <Pairs title="Prompts" values={r.prompts} />
            {r.config !== null && (
              <>
                <h2>Configuration</h2>
                <pre class="small">{JSON.stringify(r.config, null, 2)}</pre>
              </>
            )}
            {r.notes.length > 0 && (
              <>
                <h2>Notes</h2>
                <ul>
                  {r.notes.map((n) => (
                    <li>
                      <LocalTime iso={n.at} /> {n.actor}: {n.text}
                    </li>
                  ))}
                </ul>
              </>
            )}
            <p class="small">
              <Link to={withScope(params, { view: 'compare', service: r.service, candidate: r.version })}>Compare with its default baseline</Link>
            </p>
          </div>
        )}
      </Answer>
      <Answer state={history} what="the history">
        {(h) => (
          <section class="panel" aria-labelledby="history-title">
            <h2 id="history-title">History</h2>
            <div class="table-scroll">
              <table data-testid="history">
                <TableHead columns={['When', 'Source', 'Environment', 'What', 'Who']} />
                <tbody>
                  {h.history.map((e) => (
                    <tr data-kind={e.kind}>
                      <TimeCell iso={e.at} />
                      <td>{e.source}</td>
                      <td>{e.environment}</td>
                      <td>{e.text}</td>
                      <td>{e.actor ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        )}
      </Answer>
    </section>
  );
}

function Pairs(props: { title: string; values: Record<string, string> }) {
  const entries = Object.entries(props.values);
  if (entries.length === 0) return null;
  return (
    <>
      <h2>{props.title}</h2>
      <ul class="small">
        {entries.map(([k, v]) => (
          <li>
            <code>{k}</code> = {v}
          </li>
        ))}
      </ul>
    </>
  );
}
