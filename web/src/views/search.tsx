// Search: requests matching a filter in Verdict's filter language, newest first, each linking to
// its trace; more pages on demand. A syntax error is shown where it is in the filter. A trace id
// typed on its own opens that trace.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getJson } from '../api-client.js';
import type { SearchResult, TraceSummary } from '../api-types.js';
import { Answer, ErrorNote } from '../components/answer.js';
import { Link } from '../components/link.js';
import { TimeCell } from '../components/local-time.js';
import { num, TableHead } from '../components/table-head.js';
import { formatMs } from '../format.js';
import { navigate, scopeQuery, withScope, type Params } from '../route.js';
import { useApi } from '../use-api.js';

const PAGE = 50;
const EXAMPLES = ["attributes.status = 'ERROR'", "version = 'v2' AND execution_time_ms > 500", "span.attributes.gen_ai.request.model = 'gpt-4o'"];

export function SearchView(props: { params: Params }) {
  const { params } = props;
  const [text, setText] = useState(params.filter ?? '');
  useEffect(() => setText(params.filter ?? ''), [params.filter]);
  const query = { ...scopeQuery(params), filter: params.filter, limit: PAGE };
  const first = useApi<SearchResult>('/api/traces', query);
  const submit = (e: Event) => {
    e.preventDefault();
    const t = text.trim();
    if (/^(tr-)?[0-9a-fA-F]{32}$/.test(t)) navigate(withScope(params, { view: 'trace', id: t }));
    else navigate({ ...params, view: 'search', filter: t || undefined });
  };
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <form class="panel search-form" onSubmit={submit} role="search">
        <label for="filter">Filter (or a trace id)</label>
        <div class="form-row">
          <input id="filter" type="text" value={text} spellcheck={false} placeholder={EXAMPLES[0]} onInput={(e) => setText((e.target as HTMLInputElement).value)} data-testid="filter-input" />
          <button type="submit" data-testid="search-submit">
            Search
          </button>
        </div>
        <p class="muted small">
          For example {EXAMPLES.map((x, i) => (
            <>
              {i > 0 && ', '}
              <code>{x}</code>
            </>
          ))}
          . The language is MLflow's search_traces syntax with OR, IN and LIKE (docs/queries.md).
        </p>
      </form>
      {first.error?.code === 'FILTER_SYNTAX' ? (
        <FilterError filter={params.filter ?? ''} error={first.error} />
      ) : (
        <Answer state={first} what="traces">
          {(page) => <Results params={params} query={query} first={page} />}
        </Answer>
      )}
    </section>
  );
}

/** The message, and the filter with the spot the parser stopped at marked. */
function FilterError(props: { filter: string; error: ApiError }) {
  const { filter, error } = props;
  const at = Math.min(Math.max(error.position ?? filter.length, 0), filter.length);
  return (
    <div class="error-note" role="alert" data-testid="filter-error">
      <p>{error.message}</p>
      <pre class="filter-echo" data-position={at}>
        {filter.slice(0, at)}
        <mark data-testid="filter-error-mark">{filter.slice(at, at + 1) || ' '}</mark>
        {filter.slice(at + 1)}
      </pre>
    </div>
  );
}

function Results(props: { params: Params; query: Record<string, string | number | undefined>; first: SearchResult }) {
  const [more, setMore] = useState<TraceSummary[]>([]);
  const [cursor, setCursor] = useState(props.first.nextCursor);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    setMore([]);
    setCursor(props.first.nextCursor);
    setError(null);
  }, [props.first]);
  const loadMore = () => {
    if (!cursor) return;
    setLoading(true);
    getJson<SearchResult>('/api/traces', { ...props.query, cursor }).then(
      (page) => {
        setMore((m) => [...m, ...page.traces]);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (err: Error) => {
        setError(err.message);
        setLoading(false);
      },
    );
  };
  const traces = [...props.first.traces, ...more];
  if (traces.length === 0) return <p data-testid="no-results">No requests match.</p>;
  return (
    <>
      <div class="table-scroll">
        <table data-testid="search-results">
          <TableHead columns={['Start', 'Request', 'Service', 'Version', 'Environment', 'Status', num('Duration'), 'Session']} />
          <tbody>
            {traces.map((t) => (
              <tr class={t.status === 'Error' ? 'failed' : ''} data-trace-id={t.traceId}>
                <TimeCell iso={t.start} />
                <td>
                  <Link to={withScope(props.params, { view: 'trace', id: t.traceId })} data-testid="trace-link">
                    {t.name}
                  </Link>
                </td>
                <td>{t.service}</td>
                <td>{t.version}</td>
                <td>{t.environment}</td>
                <td>
                  {t.status}
                  {t.statusMessage && <span class="muted"> · {t.statusMessage}</span>}
                </td>
                <td class="num">{formatMs(t.durationMs)}</td>
                <td class="mono small">{t.sessionId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {error && <ErrorNote title="Could not load more" message={error} />}
      {cursor && (
        <button type="button" onClick={loadMore} disabled={loading} data-testid="load-more">
          {loading ? 'Loading…' : `Show ${PAGE} more`}
        </button>
      )}
    </>
  );
}
