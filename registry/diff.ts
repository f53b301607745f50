// What changed between two versions of a service, as the registry knows it: commits, parameters,
// prompt references and configuration (flattened to dotted paths). The commits between them come
// from git where the CLI runs (cli/commands/version.ts); the registry holds only their ends.
import type { VersionDiff, VersionRecord } from './schema.js';

type Change = { key: string; from: string | null; to: string | null };

function mapDiff(a: Record<string, string>, b: Record<string, string>): Change[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => a[k] !== b[k]).map((k) => ({ key: k, from: a[k] ?? null, to: b[k] ?? null }));
}

function flatten(value: unknown, prefix: string, out: Record<string, string>): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== null && value !== undefined) {
    out[prefix || '(root)'] = JSON.stringify(value);
  }
  return out;
}

export function diffRecords(a: VersionRecord, b: VersionRecord): VersionDiff {
  return {
    service: a.service,
    from: a.version,
    to: b.version,
    commits: { from: a.commit, to: b.commit },
    params: mapDiff(a.params, b.params),
    prompts: mapDiff(a.prompts, b.prompts),
    config: mapDiff(flatten(a.config, '', {}), flatten(b.config, '', {})).map(({ key, ...rest }) => ({ path: key, ...rest })),
  };
}
