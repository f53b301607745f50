// The default baseline of a comparison when none is named: the golden version, else the version in
// production stage for the environment, else the version of the latest production era (from the
// deployment history) that is not the candidate. The answer says which rule picked it.
import type { ServiceView } from './records.js';
import { DEFAULT_PRODUCTION_ENVIRONMENT } from './changes.js';

export const BASELINE_RULES = ['given', 'golden', 'production_stage', 'previous_era'] as const;
export type BaselineRule = (typeof BASELINE_RULES)[number];

export interface BaselineChoice {
  version: string;
  rule: BaselineRule;
  explanation: string;
}

export function defaultBaseline(view: ServiceView, environment: string | undefined, candidate: string | undefined): BaselineChoice | null {
  const golden = [...view.state.values()].find((s) => s.golden);
  if (golden && golden.version !== candidate) return { version: golden.version, rule: 'golden', explanation: `${golden.version} is the golden version of ${view.service}` };
  const env = environment ?? DEFAULT_PRODUCTION_ENVIRONMENT;
  const production = [...view.state.values()].filter((s) => s.productionEnvironments.has(env) && s.version !== candidate);
  if (production.length > 0) {
    const latest = production.sort((a, b) => (b.productionSinceMs ?? 0) - (a.productionSinceMs ?? 0))[0];
    return { version: latest.version, rule: 'production_stage', explanation: `${latest.version} is in production stage for ${env}` };
  }
  const d = view.deployments.find((x) => x.environment === env) ?? (environment ? undefined : view.deployments[0]);
  const era = d?.eras.filter((e) => e.version !== candidate).at(-1);
  if (d && era) return { version: era.version, rule: 'previous_era', explanation: `${era.version} led ${d.environment}'s traffic until ${era.to} (deployment history)` };
  return null;
}
