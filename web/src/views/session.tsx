// One session's turns in order: when, which version, what happened, how long and how many tokens;
// each turn opens its trace. (Feedback per turn joins here once feedback is stored.)
import type { SessionDetail } from '../api-types.js';
import { Answer } from '../components/answer.js';
import { Link } from '../components/link.js';
import { LocalTime, TimeCell } from '../components/local-time.js';
import { num, TableHead } from '../components/table-head.js';
import { formatCount, formatMs } from '../format.js';
import { withScope, type Params } from '../route.js';
import { useApi } from '../use-api.js';

export function SessionView(props: { params: Params }) {
  const { params } = props;
  const id = params.id ?? '';
  const answer = useApi<SessionDetail>(id ? `/api/sessions/${encodeURIComponent(id)}` : null);
  return (
    <section aria-labelledby="session-title">
      <h1 id="session-title">
        Session <span class="mono">{id}</span>
      </h1>
      {!id && <p>No session id in the address.</p>}
      {id && (
        <Answer state={answer} what="the session">
          {(s) => (
            <>
              <p class="muted">
                {formatCount(s.turns)} turns, {formatCount(s.errors)} failed, {formatMs(s.durationMs)} from <LocalTime iso={s.firstSeen} />
              </p>
              <div class="table-scroll">
                <table data-testid="turns-table">
                  <TableHead columns={[num('#'), 'Start', 'Request', 'Version', 'Status', num('Duration'), num('Input tokens'), num('Output tokens'), num('Spans')]} />
                  <tbody>
                    {s.traces.map((t, i) => (
                      <tr class={t.status === 'Error' ? 'failed' : ''}>
                        <td class="num">{i + 1}</td>
                        <TimeCell iso={t.start} />
                        <td>
                          <Link to={withScope(params, { view: 'trace', id: t.traceId })}>{t.name}</Link>
                        </td>
                        <td>{t.version}</td>
                        <td>
                          {t.status}
                          {t.statusMessage && <span class="muted"> · {t.statusMessage}</span>}
                        </td>
                        <td class="num">{formatMs(t.durationMs)}</td>
                        <td class="num">{formatCount(t.inputTokens)} tokens</td>
                        <td class="num">{formatCount(t.outputTokens)} tokens</td>
                        <td class="num">{formatCount(t.spans)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </Answer>
      )}
    </section>
  );
}
