// deployments: per service and environment, the timeline of versions — first/last seen, commits,
// which versions are live now, rollouts and rollbacks, and overlapping versions (canaries).
//
// Definitions (docs/queries.md):
//   * live: seen within `liveWindowSeconds` of the environment's latest span (its "now").
//   * era: a run of buckets in which one version served the most requests. A run shorter than
//     `minEraBuckets` is noise (a blip of a straggler) and joins the era before it, unless it is the
//     latest.
//   * rollout / rollback: one era following another; a rollback when the new era's version was first
//     seen before the previous era's version (traffic went back to an older version).
//   * overlap: consecutive buckets in which two or more versions each served at least `minShare` of
//     the requests, lasting at least `minEraBuckets` buckets — a canary or a slow rolling deploy.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { answer, defineQuestion, Iso, scopeOf, SCOPE_PARAMS } from './question.js';

import { dataRange } from './error-rate.js';
import { rollupSource } from './rollup.js';
import { isoFromMs, num, queryRows, renderSql, round } from './run-query.js';
import { alignRange, autoBucketSeconds, BUCKET_SECONDS, type TimeRange } from './time-range.js';

export interface DeploymentsOptions {
  service?: string;
  environment?: string;
  range?: TimeRange;
  bucketSeconds?: number;
  liveWindowSeconds?: number;
  minShare?: number;
  minEraBuckets?: number;
}

export const DeployedVersionSchema = answer({
  version: Type.String(),
  commits: Type.Array(Type.String()),
  firstSeen: Iso(),
  lastSeen: Iso(),
  requests: Type.Integer(),
  live: Type.Boolean(),
});
export type DeployedVersion = Static<typeof DeployedVersionSchema>;

export const TransitionSchema = answer({ at: Type.String({ format: 'date-time' }), from: Type.String(), to: Type.String() });
export type Transition = Static<typeof TransitionSchema>;

export const OverlapSchema = answer({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  versions: Type.Array(answer({ version: Type.String(), requests: Type.Integer(), share: Type.Number() })),
});
export type Overlap = Static<typeof OverlapSchema>;

export const DeploymentSchema = answer({
  service: Type.String(),
  environment: Type.String(),
  asOf: Iso("The environment's latest span: \"now\" for live."),
  versions: Type.Array(DeployedVersionSchema),
  live: Type.Array(Type.String()),
  eras: Type.Array(answer({ version: Type.String(), from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) })),
  rollouts: Type.Array(TransitionSchema),
  rollbacks: Type.Array(TransitionSchema),
  overlaps: Type.Array(OverlapSchema),
});
export type Deployment = Static<typeof DeploymentSchema>;

export const DeploymentsResultSchema = answer({ bucketSeconds: Type.Integer(), deployments: Type.Array(DeploymentSchema) });
export type DeploymentsResult = Static<typeof DeploymentsResultSchema>;

interface Cell {
  version: string;
  tMs: number;
  requests: number;
}

export async function deployments(client: ClickHouseClient, options: DeploymentsOptions = {}): Promise<DeploymentsResult> {
  let range: TimeRange = await dataRange(client, options, options.range);
  const bucket = options.bucketSeconds ?? autoBucketSeconds(range);
  range = alignRange(range, bucket);
  const source = rollupSource({ service: options.service, environment: options.environment, range }, bucket);
  const rows = await queryRows(client, renderSql('deployments', source.fragments), { ...source.params, bucket_s: bucket });
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) {
    const key = `${r.service}\u0000${r.environment}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r);
  }
  const rules = {
    bucketMs: bucket * 1000,
    liveWindowMs: (options.liveWindowSeconds ?? Math.max(bucket, 900)) * 1000,
    minShare: options.minShare ?? 0.01,
    minEraBuckets: options.minEraBuckets ?? 2,
  };
  return { bucketSeconds: bucket, deployments: [...groups.values()].map((g) => timeline(g, rules)) };
}

function timeline(rows: Record<string, unknown>[], rules: { bucketMs: number; liveWindowMs: number; minShare: number; minEraBuckets: number }): Deployment {
  const versions = new Map<string, { commits: Set<string>; first: number; last: number; requests: number }>();
  const cells: Cell[] = [];
  for (const r of rows) {
    const version = String(r.version);
    let v = versions.get(version);
    if (!v) versions.set(version, (v = { commits: new Set(), first: Infinity, last: 0, requests: 0 }));
    for (const c of r.commits as string[]) v.commits.add(c);
    v.first = Math.min(v.first, num(r.first_ms));
    v.last = Math.max(v.last, num(r.last_ms));
    v.requests += num(r.requests);
    if (num(r.requests) > 0) cells.push({ version, tMs: num(r.t_ms), requests: num(r.requests) });
  }
  const asOf = Math.max(...[...versions.values()].map((v) => v.last));
  const firstSeen = (version: string) => versions.get(version)!.first;
  const ordered = [...versions.entries()].sort((a, b) => a[1].first - b[1].first || a[0].localeCompare(b[0]));
  const deployed = ordered.map(([version, v]): DeployedVersion => ({
    version,
    commits: [...v.commits].sort(),
    firstSeen: isoFromMs(v.first),
    lastSeen: isoFromMs(v.last),
    requests: v.requests,
    live: v.last >= asOf - rules.liveWindowMs,
  }));

  // Buckets in time order, each with its versions' request counts.
  const buckets = new Map<number, Cell[]>();
  for (const c of cells) {
    let b = buckets.get(c.tMs);
    if (!b) buckets.set(c.tMs, (b = []));
    b.push(c);
  }
  const times = [...buckets.keys()].sort((a, b) => a - b);

  // Eras of the dominant version.
  type Era = { version: string; from: number; to: number; buckets: number };
  let eras: Era[] = [];
  for (const t of times) {
    const top = buckets.get(t)!.reduce((a, b) => (b.requests > a.requests || (b.requests === a.requests && firstSeen(b.version) > firstSeen(a.version)) ? b : a));
    const last = eras[eras.length - 1];
    if (last && last.version === top.version) {
      last.to = t + rules.bucketMs;
      last.buckets++;
    } else eras.push({ version: top.version, from: t, to: t + rules.bucketMs, buckets: 1 });
  }
  const smoothed: Era[] = [];
  eras.forEach((era, i) => {
    const prev = smoothed[smoothed.length - 1];
    if (prev && era.buckets < rules.minEraBuckets && i < eras.length - 1) {
      prev.to = era.to;
      return;
    }
    if (prev && prev.version === era.version) {
      prev.to = era.to;
      prev.buckets += era.buckets;
      return;
    }
    smoothed.push({ ...era });
  });
  eras = smoothed;
  const rollouts: Transition[] = [];
  const rollbacks: Transition[] = [];
  for (let i = 1; i < eras.length; i++) {
    const t: Transition = { at: new Date(eras[i].from).toISOString(), from: eras[i - 1].version, to: eras[i].version };
    (firstSeen(eras[i].version) < firstSeen(eras[i - 1].version) ? rollbacks : rollouts).push(t);
  }

  // Overlaps: runs of buckets with the same set of versions above minShare.
  const overlaps: Overlap[] = [];
  let run: { key: string; from: number; to: number; buckets: number; counts: Map<string, number>; total: number } | null = null;
  const close = () => {
    if (run && run.buckets >= rules.minEraBuckets) {
      overlaps.push({
        from: new Date(run.from).toISOString(),
        to: new Date(run.to).toISOString(),
        versions: [...run.counts.entries()]
          .sort((a, b) => firstSeen(a[0]) - firstSeen(b[0]))
          .map(([version, requests]) => ({ version, requests, share: round(requests / run!.total, 4) })),
      });
    }
    run = null;
  };
  for (const t of times) {
    const cellsAt = buckets.get(t)!;
    const total = cellsAt.reduce((s, c) => s + c.requests, 0);
    const present = cellsAt.filter((c) => c.requests / total >= rules.minShare);
    if (present.length < 2) {
      close();
      continue;
    }
    const key = present.map((c) => c.version).sort().join('\u0000');
    if (!run || run.key !== key || run.to !== t) {
      close();
      run = { key, from: t, to: t, buckets: 0, counts: new Map(), total: 0 };
    }
    run.to = t + rules.bucketMs;
    run.buckets++;
    for (const c of present) run.counts.set(c.version, (run.counts.get(c.version) ?? 0) + c.requests);
    run.total += present.reduce((s, c) => s + c.requests, 0);
  }
  close();

  return {
    service: String(rows[0].service),
    environment: String(rows[0].environment),
    asOf: isoFromMs(asOf),
    versions: deployed,
    live: deployed.filter((v) => v.live).map((v) => v.version),
    eras: eras.map((e) => ({ version: e.version, from: new Date(e.from).toISOString(), to: new Date(e.to).toISOString() })),
    rollouts,
    rollbacks,
    overlaps,
  };
}

export const deploymentsQuestion = defineQuestion({
  name: 'deployments',
  path: '/api/deployments',
  summary: 'Deployment history per service and environment',
  description: 'Versions with first/last seen and commits, live versions, eras of the dominant version, rollouts, rollbacks and overlapping versions (canaries).',
  params: Type.Object({
    ...SCOPE_PARAMS,
    bucket: Type.Optional(Type.Integer({ enum: [...BUCKET_SECONDS], description: 'Bucket size in seconds (automatic by default).' })),
    liveWindow: Type.Optional(Type.Integer({ minimum: 60, description: "A version seen within this many seconds of the environment's latest span is live." })),
    minShare: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "Share of a bucket's requests a version needs to count as overlapping (default 0.01)." })),
  }),
  response: DeploymentsResultSchema,
  run: (client, p) => deployments(client, { ...scopeOf(p), bucketSeconds: p.bucket, liveWindowSeconds: p.liveWindow, minShare: p.minShare }),
});
