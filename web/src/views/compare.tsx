// Compare: is the candidate better or worse than the baseline? The form, then one card per
// metric, the warnings, an optional breakdown, "Copy as JSON" (the document `verdict compare
// --json` prints) and an auto-refresh for watching a canary. Everything it shows is in the URL.
import { useEffect, useState } from 'preact/hooks';
import type { CompareResult, RegistryCompare } from '../api-types.js';
import { Answer } from '../components/answer.js';
import { Link } from '../components/link.js';
import { LocalTime } from '../components/local-time.js';
import { num, TableHead } from '../components/table-head.js';
import { formatCount, formatMs, formatPercent } from '../format.js';
import { navigate, scopeQuery, withScope, type Params } from '../route.js';
import { useApi } from '../use-api.js';
import { CompareForm } from './compare-form.js';
import { METRIC_TITLES, VERDICT_WORDS } from '../metric-words.js';
import { MetricCard } from './metric-card.js';
import { QualityAndCost } from './compare-quality.js';

const REFRESH_MS = 10_000;

export function CompareView(props: { params: Params }) {
  const { params } = props;
  // Without a baseline the registry picks one (golden, production stage, previous era) for a service.
  const ready = Boolean((params.baseline || params.baselineFilter || params.service) && (params.candidate || params.candidateFilter));
  const answer = useApi<RegistryCompare>(ready ? '/api/registry/compare' : null, {
    ...scopeQuery(params),
    baseline: params.baseline,
    candidate: params.candidate,
    baselineFilter: params.baselineFilter,
    candidateFilter: params.candidateFilter,
    align: params.align === '1',
    by: params.by,
  });
  const refreshing = params.refresh === '1';
  const [updatedAt, setUpdatedAt] = useState<string | null>(null);
  useEffect(() => {
    if (answer.data) setUpdatedAt(new Date().toISOString());
  }, [answer.data]);
  useEffect(() => {
    if (!refreshing || !ready) return;
    const timer = setInterval(answer.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [refreshing, ready, answer.reload]);

  return (
    <section aria-labelledby="compare-title">
      <h1 id="compare-title">Compare</h1>
      <CompareForm params={params} />
      {!ready && <p class="muted">Pick a baseline and a candidate: a version, a filter, or both on each side. With a service, the baseline can be left to the registry.</p>}
      {ready && (
        <Answer state={answer} what="the comparison">
          {(a) => {
            const r = a.comparison;
            return (
            <div data-testid="compare-result">
              <BaselineChoice a={a} />
              <CompareSummary params={params} r={r} />
              <div class="toolbar">
                <CopyJson doc={{ ...r, baselineChoice: a.baselineChoice, changes: a.changes }} />
                <label class="inline">
                  <input
                    type="checkbox"
                    checked={refreshing}
                    onChange={(e) => navigate({ ...params, refresh: (e.target as HTMLInputElement).checked ? '1' : undefined }, { replace: true })}
                    data-testid="auto-refresh"
                  />
                  Auto-refresh every {REFRESH_MS / 1000} s
                </label>
                {updatedAt && (
                  <span class="muted small" role="status">
                    updated <LocalTime iso={updatedAt} />
                  </span>
                )}
              </div>
              {r.warnings.length > 0 && (
                <ul class="warnings" data-testid="warnings">
                  {r.warnings.map((w) => (
                    <li>{w}</li>
                  ))}
                </ul>
              )}
              <p class="muted small">
                Each bar is the 95 % interval of the change, drawn against zero (the vertical line); the shaded band holds the changes too small to count.
              </p>
              <div class="cards">
                {r.metrics.map((m) => (
                  <MetricCard metric={m} />
                ))}
              </div>
              <QualityAndCost r={r} />
              <WhatChanged a={a} />
              {r.breakdown && <Breakdown breakdown={r.breakdown} />}
            </div>
            );
          }}
        </Answer>
      )}
    </section>
  );
}

function CompareSummary(props: { params: Params; r: CompareResult }) {
  const { r, params } = props;
  // The regression flag counts feedback and cost too (the API's rule), so the headline names them.
  const worse = [
    ...r.metrics.filter((m) => m.verdict === 'worse').map((m) => METRIC_TITLES[m.name] ?? m.name),
    ...r.quality.filter((q) => q.verdict === 'worse').map((q) => `feedback ${q.name}`),
    ...(r.cost.verdict === 'worse' ? ['cost per request'] : []),
  ];
  const bothVersions = r.baseline.version && r.candidate.version && !r.baseline.filter && !r.candidate.filter;
  return (
    <div class={`summary ${r.regression ? 'verdict-worse' : ''}`} data-testid="compare-summary">
      <p>
        <strong data-testid="baseline-label">{r.baseline.label || '(all requests)'}</strong> ({formatCount(r.baseline.requests)} requests) →{' '}
        <strong data-testid="candidate-label">{r.candidate.label || '(all requests)'}</strong> ({formatCount(r.candidate.requests)} requests)
        {[r.service, r.environment].some(Boolean) && <span class="muted"> in {[r.service, r.environment].filter(Boolean).join(' · ')}</span>}
      </p>
      <p class="headline" data-testid="regression">
        {r.regression ? `Regression: ${worse.join(', ')} ${worse.length > 1 ? 'are' : 'is'} worse.` : 'No metric is worse.'}
      </p>
      {(r.window.from || r.window.to) && (
        <p class="muted small">
          Window <LocalTime iso={r.window.from} /> to <LocalTime iso={r.window.to} />
          {r.window.aligned ? ' (only minutes both sides had requests)' : ''}
        </p>
      )}
      <p class="small">
        <Link to={withScope(params, { view: 'time', service: r.service ?? params.service, env: r.environment ?? params.env })}>Over time</Link>
        {bothVersions && (
          <>
            {' · '}
            <Link to={withScope(params, { view: 'errors', baseline: r.baseline.version!, candidate: r.candidate.version! })}>
              Errors new in {r.candidate.version}
            </Link>
          </>
        )}
      </p>
    </div>
  );
}

/** Which baseline the registry picked, when none was named. */
function BaselineChoice(props: { a: RegistryCompare }) {
  const c = props.a.baselineChoice;
  if (c.rule === 'given') return null;
  return (
    <p class="small" data-testid="baseline-choice">
      Baseline <strong>{c.version}</strong> picked by the registry: {c.explanation}.
    </p>
  );
}

/** What changed between the two versions (registry), next to what it did (the cards). */
function WhatChanged(props: { a: RegistryCompare }) {
  const d = props.a.changes;
  if (!d) return null;
  const rows = [
    ...(d.commits.from !== d.commits.to ? [{ what: 'commit', from: d.commits.from, to: d.commits.to }] : []),
    ...d.params.map((p) => ({ what: `param ${p.key}`, from: p.from, to: p.to })),
    ...d.prompts.map((p) => ({ what: `prompt ${p.key}`, from: p.from, to: p.to })),
    ...d.config.map((p) => ({ what: `config ${p.path}`, from: p.from, to: p.to })),
  ];
  return (
    <section class="panel" aria-labelledby="changed-title" data-testid="what-changed">
      <h2 id="changed-title">
        What changed ({d.from} → {d.to})
      </h2>
      {rows.length === 0 ? (
        <p class="muted small">Nothing the registry knows of: register versions with their parameters, prompts and configuration.</p>
      ) : (
        <ul class="small">
          {rows.map((r) => (
            <li>
              {r.what}: <code>{r.from ?? '(none)'}</code> → <code>{r.to ?? '(none)'}</code>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Copies the answer exactly as `verdict compare --json` prints it; where the clipboard is not allowed, shows it to copy by hand. */
function CopyJson(props: { doc: CompareResult & Pick<RegistryCompare, 'baselineChoice' | 'changes'> }) {
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');
  const text = `${JSON.stringify(props.doc, null, 2)}\n`;
  useEffect(() => setState('idle'), [props.doc]);
  const copy = () =>
    navigator.clipboard
      ? navigator.clipboard.writeText(text).then(
          () => setState('copied'),
          () => setState('manual'),
        )
      : setState('manual');
  return (
    <>
      <button type="button" onClick={copy} data-testid="copy-json">
        Copy as JSON
      </button>
      {state === 'copied' && (
        <span class="muted small" role="status">
          Copied.
        </span>
      )}
      {state === 'manual' && (
        <label class="manual-copy">
          <span class="small">The browser did not allow copying; select and copy:</span>
          <textarea readOnly rows={8} value={text} data-testid="json-text" onFocus={(e) => (e.target as HTMLTextAreaElement).select()} />
        </label>
      )}
    </>
  );
}

function Breakdown(props: { breakdown: NonNullable<CompareResult['breakdown']> }) {
  const { by, groups } = props.breakdown;
  return (
    <section class="panel" aria-labelledby="breakdown-title">
      <h2 id="breakdown-title">By {by}</h2>
      <div class="table-scroll">
        <table>
          <TableHead
            columns={[by, num('Baseline requests'), num('Candidate requests'), num('Baseline error rate'), num('Candidate error rate'), 'Error rate', num('Baseline p95'), num('Candidate p95'), 'p95']}
          />
          <tbody>
            {groups.map((g) => (
              <tr>
                <th scope="row">{g.key}</th>
                <td class="num">{formatCount(g.baseline.requests)}</td>
                <td class="num">{formatCount(g.candidate.requests)}</td>
                <td class="num">{formatPercent(g.baseline.errorRate)}</td>
                <td class="num">{formatPercent(g.candidate.errorRate)}</td>
                <td class={`verdict-${g.metrics[0]?.verdict}`}>{g.metrics[0] ? VERDICT_WORDS[g.metrics[0].verdict] : ''}</td>
                <td class="num">{formatMs(g.baseline.latencyMs?.p95)}</td>
                <td class="num">{formatMs(g.candidate.latencyMs?.p95)}</td>
                <td class={`verdict-${g.metrics[1]?.verdict}`}>{g.metrics[1] ? VERDICT_WORDS[g.metrics[1].verdict] : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
