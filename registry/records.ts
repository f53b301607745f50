// Version records: every version seen in spans (from the rollups: first/last seen, environments,
// commit, and the branch of its first minutes) joined with its registered state (the folded
// events), and what the traffic says against the registry (drift).
import type { ClickHouseClient } from '@clickhouse/client';
import { deployments, type Deployment } from '../queries/deployments.js';
import { versions, type VersionRow } from '../queries/versions.js';
import { renderSqlFile } from '../schema/sql-files.js';
import { readEvents } from './events.js';
import { byService, foldService, type RegisteredState, type ServiceState } from './fold.js';
import { DEFAULT_PRODUCTION_ENVIRONMENT } from './changes.js';
import type { Drift, RegistryEvent, VersionRecord } from './schema.js';

export interface RecordsOptions {
  service?: string;
  /** Two versions overlapping longer than this (minutes) is drift: a canary nobody finished. */
  canaryMinutes?: number;
}

export const DEFAULT_CANARY_MINUTES = 60;

/** Everything the registry knows about one service, read once and shared by records, history and baselines. */
export interface ServiceView {
  service: string;
  events: RegistryEvent[];
  state: ServiceState;
  traffic: VersionRow[];
  deployments: Deployment[];
  branches: Map<string, string>;
}

/** `branches: false` skips the one read of raw spans (the alert watcher has no use for branches). */
export async function serviceViews(client: ClickHouseClient, service?: string, options: { branches?: boolean } = {}): Promise<ServiceView[]> {
  const [events, seen, deployed] = await Promise.all([
    readEvents(client, { service }),
    versions(client, { service }),
    deployments(client, { service }),
  ]);
  const grouped = byService(events);
  const services = new Set([...grouped.keys(), ...seen.versions.map((v) => v.service)]);
  if (service) services.add(service);
  const views: ServiceView[] = [];
  for (const name of [...services].sort()) {
    const traffic = seen.versions.filter((v) => v.service === name);
    const branchRows = options.branches === false ? [] : await branches(client, name, traffic);
    const serviceEvents = grouped.get(name) ?? [];
    views.push({
      service: name,
      events: serviceEvents,
      state: foldService(serviceEvents),
      traffic,
      deployments: deployed.deployments.filter((d) => d.service === name),
      branches: new Map(branchRows.map((r) => [r.version, r.branch])),
    });
  }
  return views;
}

/** Each version's branch from its spans of its first 5 minutes (only those minutes are read). */
async function branches(client: ClickHouseClient, service: string, traffic: VersionRow[]): Promise<Array<{ version: string; branch: string }>> {
  const firsts = new Map<string, number>();
  for (const t of traffic) if (t.firstSeen) firsts.set(t.version, Math.min(firsts.get(t.version) ?? Infinity, Date.parse(t.firstSeen)));
  if (firsts.size === 0) return [];
  const params: Record<string, unknown> = { service };
  const windows = [...firsts].map(([version, first], i) => {
    params[`v${i}`] = version;
    params[`f${i}`] = first / 1000;
    return `(AppVersion = {v${i}:String} AND Timestamp >= toDateTime64({f${i}:Float64}, 3) AND Timestamp < toDateTime64({f${i}:Float64} + 300, 3))`;
  });
  const result = await client.query({ query: renderSqlFile('registry/branch.sql', { windows: windows.join(' OR ') }), format: 'JSONEachRow', query_params: params });
  return result.json<{ version: string; branch: string }>();
}

export function recordsOf(view: ServiceView, options: RecordsOptions = {}): VersionRecord[] {
  const names = new Set([...view.state.keys(), ...view.traffic.map((t) => t.version)]);
  const drift = driftOf(view, options.canaryMinutes ?? DEFAULT_CANARY_MINUTES);
  const records = [...names].map((version) => recordOf(view, version, drift.get(version) ?? []));
  return records.sort((a, b) => (a.firstSeen ?? '9').localeCompare(b.firstSeen ?? '9') || a.version.localeCompare(b.version));
}

function recordOf(view: ServiceView, version: string, drift: Drift[]): VersionRecord {
  const s: RegisteredState | undefined = view.state.get(version);
  const rows = view.traffic.filter((t) => t.version === version);
  const seenCommits = rows.flatMap((r) => r.commits);
  const first = rows.map((r) => r.firstSeen).filter((x): x is string => x !== null).sort()[0] ?? null;
  const last = rows.map((r) => r.lastSeen).filter((x): x is string => x !== null).sort().at(-1) ?? null;
  return {
    service: view.service,
    version,
    registered: s !== undefined,
    stage: s?.stage ?? 'none',
    productionEnvironments: s ? [...s.productionEnvironments].sort() : [],
    golden: s?.golden ?? false,
    commit: s?.commit || seenCommits.at(-1) || '',
    branch: view.branches.get(version) ?? '',
    params: s?.params ?? {},
    prompts: s?.prompts ?? {},
    config: s?.config ?? null,
    notes: s?.notes ?? [],
    archiveReason: s?.archiveReason ?? null,
    firstSeen: first,
    lastSeen: last,
    environments: [...new Set(rows.map((r) => r.environment))].sort(),
    requests: rows.reduce((sum, r) => sum + r.requests, 0),
    drift,
  };
}

/** The environments that count as production: those a version is promoted in, and `production`. */
export function productionEnvironments(view: ServiceView): Set<string> {
  const envs = new Set([DEFAULT_PRODUCTION_ENVIRONMENT]);
  for (const s of view.state.values()) for (const e of s.productionEnvironments) envs.add(e);
  return envs;
}

/** Drift per version: where the registry and the traffic disagree. */
export function driftOf(view: ServiceView, canaryMinutes: number): Map<string, Drift[]> {
  const out = new Map<string, Drift[]>();
  const flag = (version: string, d: Drift) => {
    const list = out.get(version) ?? [];
    list.push(d);
    out.set(version, list);
  };
  const usesRegistry = view.events.length > 0;
  const deploymentIn = (env: string) => view.deployments.find((d) => d.environment === env);
  for (const s of view.state.values()) {
    for (const env of s.productionEnvironments) {
      if (!deploymentIn(env)?.live.includes(s.version)) {
        flag(s.version, { kind: 'production_not_serving', environment: env, message: `${s.version} is the production version in ${env} but serves no traffic there` });
      }
    }
  }
  for (const env of productionEnvironments(view)) {
    const d = deploymentIn(env);
    if (!d) continue;
    for (const version of d.live) {
      const s = view.state.get(version);
      if (usesRegistry && !s) flag(version, { kind: 'unregistered_in_production', environment: env, message: `${version} serves ${env} but was never registered (a rollback nobody recorded?)` });
      else if (s?.stage === 'archived') flag(version, { kind: 'archived_in_production', environment: env, message: `${version} is archived but serves ${env} (a rollback nobody recorded?)` });
    }
  }
  for (const d of view.deployments) {
    for (const o of d.overlaps) {
      const minutes = (Date.parse(o.to) - Date.parse(o.from)) / 60_000;
      const ongoing = d.asOf !== null && Date.parse(o.to) >= Date.parse(d.asOf);
      if (!ongoing || minutes <= canaryMinutes) continue;
      const names = o.versions.map((v) => v.version);
      for (const version of names) {
        flag(version, { kind: 'long_overlap', environment: d.environment, message: `${names.join(' and ')} have served ${d.environment} side by side for ${Math.round(minutes)} min (longer than the ${canaryMinutes} min canary time)` });
      }
    }
  }
  return out;
}

export async function listRecords(client: ClickHouseClient, options: RecordsOptions = {}): Promise<VersionRecord[]> {
  return (await serviceViews(client, options.service)).flatMap((v) => recordsOf(v, options));
}

export async function showRecord(client: ClickHouseClient, service: string, version: string, options: RecordsOptions = {}): Promise<VersionRecord | null> {
  const [view] = await serviceViews(client, service);
  return recordsOf(view, options).find((r) => r.version === version) ?? null;
}
