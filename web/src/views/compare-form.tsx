// Picks the two sides of a comparison: each a version of the scope, a filter in the filter
// language, or both; plus time alignment and a breakdown. Submitting puts the comparison in the
// URL, which is what makes it shareable.
import { useEffect, useState } from 'preact/hooks';
import { ChoiceSelect } from '../components/choice-select.js';
import { useKnownVersions, versionsIn } from '../known-versions.js';
import { navigate, type Params } from '../route.js';

interface Sides {
  baseline: string;
  candidate: string;
  baselineFilter: string;
  candidateFilter: string;
  align: boolean;
  by: string;
}

function fromParams(p: Params): Sides {
  return {
    baseline: p.baseline ?? '',
    candidate: p.candidate ?? '',
    baselineFilter: p.baselineFilter ?? '',
    candidateFilter: p.candidateFilter ?? '',
    align: p.align === '1',
    by: p.by ?? '',
  };
}

export function CompareForm(props: { params: Params }) {
  const { params } = props;
  const [sides, setSides] = useState(() => fromParams(params));
  // Back/forward or a clicked link changes the comparison: the form follows the URL.
  useEffect(() => setSides(fromParams(params)), [params.baseline, params.candidate, params.baselineFilter, params.candidateFilter, params.align, params.by]);
  const known = useKnownVersions();
  const versions = versionsIn(known.data, params);
  const update = (patch: Partial<Sides>) => setSides((s) => ({ ...s, ...patch }));
  const submit = (e: Event) => {
    e.preventDefault();
    navigate({
      ...params,
      view: 'compare',
      baseline: sides.baseline || undefined,
      candidate: sides.candidate || undefined,
      baselineFilter: sides.baselineFilter.trim() || undefined,
      candidateFilter: sides.candidateFilter.trim() || undefined,
      align: sides.align ? '1' : undefined,
      by: sides.by || undefined,
    });
  };
  const swap = () =>
    update({ baseline: sides.candidate, candidate: sides.baseline, baselineFilter: sides.candidateFilter, candidateFilter: sides.baselineFilter });

  const side = (which: 'baseline' | 'candidate', title: string) => {
    const filterKey = which === 'baseline' ? 'baselineFilter' : 'candidateFilter';
    return (
      <fieldset>
        <legend>{title}</legend>
        <ChoiceSelect label="Version" value={sides[which]} choices={versions} anyLabel="(any version)" onChange={(v) => update({ [which]: v ?? '' })} testId={`${which}-version`} />
        <label>
          <span>Filter</span>
          <input
            type="text"
            value={sides[filterKey]}
            placeholder="attributes.flag = 'on'"
            spellcheck={false}
            onInput={(e) => update({ [filterKey]: (e.target as HTMLInputElement).value })}
            data-testid={`${which}-filter`}
          />
        </label>
      </fieldset>
    );
  };

  return (
    <form class="panel compare-form" onSubmit={submit} aria-label="Comparison">
      <div class="sides-form">
        {side('baseline', 'Baseline')}
        <button type="button" class="link-button swap" onClick={swap} title="Swap baseline and candidate">
          ⇄ swap
        </button>
        {side('candidate', 'Candidate')}
      </div>
      <div class="form-row">
        <label class="inline">
          <input type="checkbox" checked={sides.align} onChange={(e) => update({ align: (e.target as HTMLInputElement).checked })} />
          Only the minutes both sides had requests (a canary beside its baseline)
        </label>
        <label class="inline">
          <span>Break down by</span>
          <select value={sides.by} onChange={(e) => update({ by: (e.target as HTMLSelectElement).value })}>
            <option value="">nothing</option>
            <option value="name">request name</option>
            <option value="model">model</option>
            {sides.by && sides.by !== 'name' && sides.by !== 'model' && <option value={sides.by}>{sides.by}</option>}
          </select>
        </label>
        <button type="submit" data-testid="compare-submit">
          Compare
        </button>
      </div>
      {known.error && <p class="muted small">Versions unavailable ({known.error.message}); type a filter instead.</p>}
    </form>
  );
}
