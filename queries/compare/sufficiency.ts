// compare's gate: has each side enough requests for a verdict a CI job may trust? An unknown
// version, an empty side or a side below minRequests is insufficient, and the answer says which
// and why, so that `--fail-on-regression` can refuse to pass on no data (cli/commands/compare.ts).
import type { ClickHouseClient } from '@clickhouse/client';
import type { CohortSpec } from '../cohort.js';
import { traceScope } from '../rollup.js';
import { queryRows, renderSql } from '../run-query.js';
import type { CompareOptions } from './plan.js';
import type { CompareResult, SideSummary } from './schema.js';

export type Sufficiency = CompareResult['sufficiency'];

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The versions among the two sides' that ever served a request in the scope's service and environment. */
async function versionsSeen(client: ClickHouseClient, options: CompareOptions): Promise<Set<string>> {
  const scope = traceScope({ service: options.service, environment: options.environment, range: { fromMs: 0, toMs: 0 } });
  const [row] = await queryRows(client, renderSql('compare/versions-seen', { scope: scope.sql }), {
    ...scope.params,
    b_version: options.baseline.version ?? '',
    c_version: options.candidate.version ?? '',
  });
  return new Set((row?.seen as string[] | undefined) ?? []);
}

function where(options: CompareOptions): string {
  const parts = [options.service && `service ${options.service}`, options.environment !== undefined && `environment ${options.environment}`].filter(Boolean);
  return parts.length > 0 ? ` in ${parts.join(', ')}` : '';
}

/**
 * The gate's facts. `windowEmpty` is set when alignment found no minute both sides served (both
 * sides are then read as empty). Looks up the versions only when a version side is empty.
 */
export async function sufficiency(
  client: ClickHouseClient,
  options: CompareOptions,
  sides: { baseline: SideSummary; candidate: SideSummary },
  minRequests: number,
  windowEmpty: boolean,
): Promise<Sufficiency> {
  const emptyVersionSide = (['baseline', 'candidate'] as const).some((s) => sides[s].requests === 0 && options[s].version !== undefined);
  const seen = emptyVersionSide ? await versionsSeen(client, options) : undefined;
  const missing: string[] = [];
  const side = (name: 'baseline' | 'candidate', spec: CohortSpec) => {
    const requests = sides[name].requests;
    const versionKnown = spec.version === undefined ? null : requests > 0 || (seen?.has(spec.version) ?? false);
    if (versionKnown === false) {
      missing.push(`${name} version ${spec.version} is unknown: it has no requests${where(options)} at any time`);
    } else if (requests === 0) {
      const what = spec.version !== undefined && !spec.filter ? `version ${spec.version}` : `"${sides[name].label}"`;
      missing.push(windowEmpty
        ? `${name} ${what} has no requests in a minute the other side also served (--align)`
        : `${name} ${what} has no requests in the window`);
    } else if (requests < minRequests) {
      missing.push(`${name} has ${plural(requests, 'request')}, fewer than the ${minRequests} a verdict needs (minRequests)`);
    }
    return { requests, enough: requests >= minRequests, versionKnown };
  };
  const baseline = side('baseline', options.baseline);
  const candidate = side('candidate', options.candidate);
  return { sufficient: baseline.enough && candidate.enough, minRequests, baseline, candidate, missing };
}
