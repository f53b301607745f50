// Errors: the top error patterns (span name + message with numbers and ids masked) per version;
// with a baseline and a candidate, the candidate's errors beside their baseline counts, the new
// ones first and marked. Messages come from strangers' spans and are shown as text.
import { useEffect, useState } from 'preact/hooks';
import type { ErrorGroup, ErrorsResult } from '../api-types.js';
import { Answer } from '../components/answer.js';
import { ChoiceSelect } from '../components/choice-select.js';
import { TimeCell } from '../components/local-time.js';
import { num, TableHead } from '../components/table-head.js';
import { formatCount } from '../format.js';
import { useKnownVersions, versionsIn } from '../known-versions.js';
import { navigate, scopeQuery, type Params } from '../route.js';
import { useApi } from '../use-api.js';

export function ErrorsView(props: { params: Params }) {
  const { params } = props;
  const comparing = Boolean(params.baseline && params.candidate);
  const answer = useApi<ErrorsResult>('/api/errors', {
    ...scopeQuery(params),
    version: comparing ? undefined : params.version,
    baseline: comparing ? params.baseline : undefined,
    candidate: comparing ? params.candidate : undefined,
  });
  return (
    <section aria-labelledby="errors-title">
      <h1 id="errors-title">Errors</h1>
      <ErrorsForm params={params} />
      <Answer state={answer} what="errors">
        {(r) =>
          r.errors.length === 0 ? (
            <p data-testid="no-errors">No failed spans here.</p>
          ) : (
            <>
              {comparing && (
                <p data-testid="new-count">
                  {r.newInCandidate?.length ?? 0} error pattern{r.newInCandidate?.length === 1 ? '' : 's'} in {params.candidate} never seen in {params.baseline}.
                </p>
              )}
              <ErrorTable rows={r.errors} comparing={comparing} />
            </>
          )
        }
      </Answer>
    </section>
  );
}

function ErrorsForm(props: { params: Params }) {
  const { params } = props;
  const versions = versionsIn(useKnownVersions().data, params);
  const [mode, setMode] = useState(params.baseline ? 'compare' : 'one');
  useEffect(() => setMode(params.baseline ? 'compare' : 'one'), [params.baseline]);
  const pick = (patch: Params) => navigate({ ...params, ...patch });
  const select = (key: string, label: string, value: string | undefined, testId: string) => (
    <ChoiceSelect label={label} value={value} choices={versions} anyLabel={key === 'version' ? 'All versions' : '(pick one)'} onChange={(v) => pick({ [key]: v })} testId={testId} />
  );
  return (
    <form class="panel form-row" aria-label="Which errors" onSubmit={(e) => e.preventDefault()}>
      <label class="inline">
        <input type="radio" name="errors-mode" checked={mode === 'one'} onChange={() => (setMode('one'), pick({ baseline: undefined, candidate: undefined }))} />
        By version
      </label>
      <label class="inline">
        <input type="radio" name="errors-mode" checked={mode === 'compare'} onChange={() => setMode('compare')} />
        New in a candidate
      </label>
      {mode === 'one'
        ? select('version', 'Version', params.version, 'errors-version')
        : [select('baseline', 'Baseline', params.baseline, 'errors-baseline'), select('candidate', 'Candidate', params.candidate, 'errors-candidate')]}
    </form>
  );
}

function ErrorTable(props: { rows: ErrorGroup[]; comparing: boolean }) {
  return (
    <div class="table-scroll">
      <table data-testid="error-table">
        <TableHead columns={['Version', 'Span', 'Message', num('Count'), num('Of them requests'), props.comparing && num('In baseline'), 'First seen', 'Last seen']} />
        <tbody>
          {props.rows.map((g) => (
            <tr class={g.isNew ? 'new-error' : ''} data-new={g.isNew ? 'true' : undefined}>
              <td>{g.version}</td>
              <td>{g.spanName}</td>
              <td class="message">
                {g.isNew && <span class="badge new">new</span>}
                <span title={`Example: ${g.example}`}>{g.message}</span>
              </td>
              <td class="num" data-metric="count">
                {formatCount(g.count)}
              </td>
              <td class="num">{formatCount(g.requestErrors)}</td>
              {props.comparing && <td class="num">{formatCount(g.baselineCount)}</td>}
              <TimeCell iso={g.firstSeen} />
              <TimeCell iso={g.lastSeen} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
