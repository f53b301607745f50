// compare with the registry's default baseline (/api/registry/compare): the same parameters as
// /api/compare; when no baseline is named it is picked (registry/baseline.ts), and the answer says
// which and why, with what changed between the two versions next to what it did.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { compareQuestion } from '../queries/compare/compare.js';
import { CompareParams, CompareResultSchema, type CompareResult } from '../queries/compare/schema.js';
import { answer, defineQuestion, given, nullable, oneOf } from '../queries/question.js';
import { QueryInputError } from '../queries/run-query.js';
import { BASELINE_RULES, defaultBaseline, type BaselineChoice } from './baseline.js';
import { diffRecords } from './diff.js';
import { recordsOf, serviceViews } from './records.js';
import { VersionDiffSchema } from './schema.js';

export const RegistryCompareSchema = answer({
  baselineChoice: answer({ version: nullable(Type.String()), rule: oneOf(BASELINE_RULES), explanation: Type.String() }),
  changes: nullable(VersionDiffSchema),
  comparison: CompareResultSchema,
});
export type RegistryCompare = Static<typeof RegistryCompareSchema>;

export async function compareWithDefaults(client: ClickHouseClient, p: CompareParams): Promise<RegistryCompare> {
  const service = given(p.service);
  const named = given(p.baseline) !== undefined || given(p.baselineFilter) !== undefined;
  let choice: BaselineChoice = { version: given(p.baseline) ?? '', rule: 'given', explanation: 'named by the request' };
  let candidate = given(p.candidate);
  const view = service ? (await serviceViews(client, service))[0] : undefined;
  if (!named) {
    if (!view) throw new QueryInputError('service is required to pick a default baseline (or name one with baseline)');
    const picked = defaultBaseline(view, given(p.env), candidate);
    if (!picked) throw new QueryInputError(`no default baseline for ${service}: no golden version, no production-stage version and no earlier production era; name one with baseline`);
    choice = picked;
  }
  if (candidate === undefined && given(p.candidateFilter) === undefined && view) {
    // The newest version serving the environment that is not the baseline.
    const d = view.deployments.find((x) => x.environment === (given(p.env) ?? 'production')) ?? view.deployments[0];
    candidate = d?.versions.filter((v) => v.live && v.version !== choice.version).at(-1)?.version;
  }
  const comparison = (await compareQuestion.run(client, { ...p, baseline: choice.version || p.baseline, candidate: candidate ?? p.candidate }, {})) as CompareResult;
  let changes = null;
  if (view && choice.version && candidate) {
    const records = recordsOf(view);
    const a = records.find((r) => r.version === choice.version);
    const b = records.find((r) => r.version === candidate);
    if (a && b) changes = diffRecords(a, b);
  }
  return { baselineChoice: { ...choice, version: choice.version || null }, changes, comparison };
}

export const registryCompareQuestion = defineQuestion({
  name: 'registry-compare',
  path: '/api/registry/compare',
  summary: 'compare, with the registry picking the baseline when none is named',
  description:
    'The parameters of /api/compare. Without baseline: the golden version, else the production-stage version of the environment, else the previous production era. The answer names the choice and shows what changed between the two versions.',
  params: CompareParams,
  response: RegistryCompareSchema,
  run: (client, p) => compareWithDefaults(client, p),
});
