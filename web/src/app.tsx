// The page's shell: navigation, the shared scope, the read-key prompt when the collector wants one,
// and the view the URL names.
import { useEffect, useState } from 'preact/hooks';
import { Link } from './components/link.js';
import { KeyPrompt } from './components/key-prompt.js';
import { ScopeBar } from './components/scope-bar.js';
import { keyState, subscribeKey } from './key-store.js';
import { useParams, viewOf, withScope, type Params, type View } from './route.js';
import { AlertsView } from './views/alerts.js';
import { CompareView } from './views/compare.js';
import { DeploymentsView } from './views/deployments.js';
import { ErrorsView } from './views/errors.js';
import { OverTimeView } from './views/over-time.js';
import { OverviewView } from './views/overview.js';
import { SearchView } from './views/search.js';
import { SessionView } from './views/session.js';
import { SessionsView } from './views/sessions.js';
import { TraceView } from './views/trace.js';
import { VersionRecordView } from './views/version-record.js';

const NAV: Array<{ view: View; label: string }> = [
  { view: 'overview', label: 'Versions' },
  { view: 'compare', label: 'Compare' },
  { view: 'time', label: 'Over time' },
  { view: 'deployments', label: 'Deployments' },
  { view: 'errors', label: 'Errors' },
  { view: 'sessions', label: 'Sessions' },
  { view: 'search', label: 'Search' },
  { view: 'alerts', label: 'Alerts' },
];

const VIEW_COMPONENTS: Record<View, (props: { params: Params }) => preact.JSX.Element> = {
  overview: OverviewView,
  compare: CompareView,
  time: OverTimeView,
  deployments: DeploymentsView,
  errors: ErrorsView,
  sessions: SessionsView,
  session: SessionView,
  trace: TraceView,
  search: SearchView,
  version: VersionRecordView,
  alerts: AlertsView,
};

export function App() {
  const params = useParams();
  const view = viewOf(params);
  const [key, setKey] = useState(keyState());
  useEffect(() => subscribeKey(setKey), []);
  useEffect(() => {
    const title = NAV.find((n) => n.view === view)?.label ?? (view === 'trace' ? 'Trace' : view === 'version' ? 'Version' : 'Session');
    document.title = `${title} · Verdict`;
  }, [view]);
  const Current = VIEW_COMPONENTS[view];
  const active = view === 'session' ? 'sessions' : view === 'trace' ? 'search' : view === 'version' ? 'overview' : view;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link to={withScope(params, { view: 'overview' })} class="brand">
          Verdict
        </Link>
        <nav aria-label="Views">
          <ul>
            {NAV.map((n) => (
              <li>
                <Link to={withScope(params, { view: n.view })} current={n.view === active}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <ScopeBar params={params} />
      <main id="main" tabIndex={-1}>
        {key.needed ? <KeyPrompt reason={key.needed} /> : <Current params={params} />}
      </main>
    </>
  );
}
