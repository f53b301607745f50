// The optional archiving rule: archive versions N or more iterations behind the production version
// (iterations counted in order of first appearance), never the golden one nor one in production.
// Its archiving goes through the same change as a person's, so it is audited the same way.
import type { ClickHouseClient } from '@clickhouse/client';
import { applyChange } from './changes.js';
import { recordsOf, serviceViews } from './records.js';
import type { RegistryEvent } from './schema.js';

export async function archiveBehind(client: ClickHouseClient, service: string, behind: number, atMs: number = Date.now()): Promise<RegistryEvent[]> {
  const [view] = await serviceViews(client, service);
  const records = recordsOf(view);
  const order = (r: (typeof records)[number]) => r.firstSeen ?? new Date(view.state.get(r.version)?.registeredAtMs ?? 0).toISOString();
  const ordered = [...records].sort((a, b) => order(a).localeCompare(order(b)));
  const productionAt = ordered.map((r, i) => (r.stage === 'production' ? i : -1)).filter((i) => i >= 0);
  if (productionAt.length === 0) return [];
  const newest = Math.max(...productionAt);
  const out: RegistryEvent[] = [];
  for (let i = 0; i <= newest - behind; i++) {
    const r = ordered[i];
    if (r.golden || r.stage === 'archived' || r.stage === 'production') continue;
    out.push(...(await applyChange(client, { action: 'archive', service, version: r.version, reason: `policy: ${newest - i} iterations behind production ${ordered[newest].version} (--archive-behind ${behind})` }, `policy:archive-behind-${behind}`, atMs)));
  }
  return out;
}
