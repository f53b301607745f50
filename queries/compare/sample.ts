// compare's trace sample, read once (sample.sql): the significance tests' inputs and, when
// stratifying, the mix adjustment's sums per stratum, from the same deterministic sample of each
// side's settled traces. One pass where the tests and the strata each read the sample again.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows, renderSql } from '../run-query.js';
import { DEFAULT_STRATIFY, stratumOf, stratumSql, type Stratum } from './mix-adjustment.js';
import { pick, type Plan, type SideConditions } from './plan.js';
import { quantileIntervals, sampleScope, type Cuts } from './sides.js';

export interface Sample {
  /** The tests' inputs. */
  tests: Record<string, unknown> | undefined;
  /** Each stratum's sums, or undefined when not stratifying. */
  strata: Stratum[] | undefined;
}

export async function readSample(client: ClickHouseClient, plan: Plan, conditions: SideConditions, cuts: Cuts): Promise<Sample> {
  const keys = plan.options.stratify ?? DEFAULT_STRATIFY;
  const strata = stratumSql(keys, conditions);
  const ci = quantileIntervals();
  const [row] = await queryRows(
    client,
    renderSql('compare/sample', {
      ...pick(conditions.fragments, 'scope', 'baseline', 'candidate'),
      ...ci.fragments,
      stratum: strata.stratum,
      group_join: strata.join,
      live: renderSql('compare/live-traces'),
      sampled: sampleScope([
        { cohort: 'in_baseline', sampled: 'b', cut: cuts.baseline },
        { cohort: 'in_candidate', sampled: 'c', cut: cuts.candidate },
      ]),
    }),
    { ...conditions.params, ...strata.params, ...ci.params, baseline_cut: cuts.baseline, candidate_cut: cuts.candidate },
  );
  // A stratum counts only traces with requests; one without any is no stratum.
  const all = ((row?.strata as unknown[] | undefined) ?? []).map(stratumOf).filter((s) => s.b.traces + s.c.traces > 0);
  return { tests: row, strata: keys.length > 0 ? all : undefined };
}
