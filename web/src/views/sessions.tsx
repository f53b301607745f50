// Sessions: the most recently active sessions of the scope (optionally one version's), with their
// turns, errors and duration; a session opens its turns in order.
import type { SessionSummary } from '../api-types.js';
import { Answer } from '../components/answer.js';
import { Link } from '../components/link.js';
import { TimeCell } from '../components/local-time.js';
import { num, TableHead } from '../components/table-head.js';
import { formatCount, formatMs } from '../format.js';
import { scopeQuery, withScope, type Params } from '../route.js';
import { useApi } from '../use-api.js';

export function SessionsView(props: { params: Params }) {
  const { params } = props;
  const answer = useApi<{ sessions: SessionSummary[] }>('/api/sessions', { ...scopeQuery(params), version: params.version, limit: 100 });
  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions{params.version ? ` of ${params.version}` : ''}</h1>
      <Answer state={answer} what="sessions">
        {(r) =>
          r.sessions.length === 0 ? (
            <p data-testid="empty-scope">No sessions here: requests carry a session in session.id (or gen_ai.conversation.id).</p>
          ) : (
            <div class="table-scroll">
              <table data-testid="sessions-table">
                <TableHead columns={['Session', num('Turns'), num('Errors'), num('Duration'), 'Last active', 'Versions', 'Users']} />
                <tbody>
                  {r.sessions.map((s) => (
                    <tr>
                      <th scope="row">
                        <Link to={withScope(params, { view: 'session', id: s.sessionId })} class="mono">
                          {s.sessionId}
                        </Link>
                      </th>
                      <td class="num">{formatCount(s.turns)}</td>
                      <td class="num">{formatCount(s.errors)}</td>
                      <td class="num">{formatMs(s.durationMs)}</td>
                      <TimeCell iso={s.lastSeen} />
                      <td>{s.versions.join(', ')}</td>
                      <td>{s.users.join(', ')}</td>
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
