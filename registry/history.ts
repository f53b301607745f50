// A version's history: its audited events beside what the traffic did (the deployments question's
// eras, rollouts and rollbacks), so a canary withdrawn without a word still shows as a rollback.
import type { ServiceView } from './records.js';
import type { HistoryEntry, RegistryEvent } from './schema.js';

function describe(e: RegistryEvent): string {
  switch (e.kind) {
    case 'registered':
      return `registered${e.commit ? ` at commit ${e.commit.slice(0, 12)}` : ''}${e.reason ? `: ${e.reason}` : ''}`;
    case 'note':
      return `note: ${e.reason}`;
    case 'golden':
      return `made the golden version${e.from ? ` (was ${e.from})` : ''}${e.reason ? `: ${e.reason}` : ''}`;
    case 'stage':
      return `${e.from ?? 'none'} → ${e.to ?? 'none'}${e.environment ? ` in ${e.environment}` : ''}${e.reason ? `: ${e.reason}` : ''}`;
  }
}

/** A version silent this long before the environment's latest span has stopped serving (the watcher's default too). */
export const STOPPED_AFTER_MS = 5 * 60_000;

export function historyOf(view: ServiceView, version: string): HistoryEntry[] {
  const entries: HistoryEntry[] = view.events
    .filter((e) => e.version === version)
    .map((e) => ({ at: e.at, source: 'registry', kind: e.kind, environment: e.environment, text: describe(e), actor: e.actor }));
  for (const d of view.deployments) {
    const seen = d.versions.find((v) => v.version === version);
    if (!seen) continue;
    const env = d.environment;
    if (seen.firstSeen) entries.push({ at: seen.firstSeen, source: 'traffic', kind: 'first_seen', environment: env, text: `first request in ${env}`, actor: null });
    for (const t of d.rollouts) {
      if (t.to === version) entries.push({ at: t.at, source: 'traffic', kind: 'rollout', environment: env, text: `rolled out in ${env}, replacing ${t.from}`, actor: null });
      if (t.from === version) entries.push({ at: t.at, source: 'traffic', kind: 'replaced', environment: env, text: `replaced in ${env} by ${t.to}`, actor: null });
    }
    for (const t of d.rollbacks) {
      if (t.from === version) entries.push({ at: t.at, source: 'traffic', kind: 'rollback', environment: env, text: `rolled back in ${env}: traffic went back to ${t.to}`, actor: null });
      if (t.to === version) entries.push({ at: t.at, source: 'traffic', kind: 'rollback_to', environment: env, text: `traffic came back to it in ${env} from ${t.from}`, actor: null });
    }
    // A canary that never led the traffic and stopped while an older version still serves: withdrawn.
    const led = d.eras.some((e) => e.version === version);
    const asOf = d.asOf ? Date.parse(d.asOf) : 0;
    const serving = (v: { lastSeen: string | null }) => v.lastSeen !== null && Date.parse(v.lastSeen) >= asOf - STOPPED_AFTER_MS;
    const olderLive = d.versions.filter((v) => serving(v) && v.version !== version && (v.firstSeen ?? '') < (seen.firstSeen ?? ''));
    if (!led && !serving(seen) && olderLive.length > 0 && seen.lastSeen) {
      entries.push({ at: seen.lastSeen, source: 'traffic', kind: 'rollback', environment: env, text: `canary withdrawn in ${env}: traffic went back to ${olderLive.map((v) => v.version).join(', ')}`, actor: null });
    }
  }
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}
