// The registry's writes: register, promote, archive, golden, note. Each reads the service's events,
// checks the rules against the folded state, and appends the events that make the change (a
// promotion to production also appends the demotion of the version it replaces). Callers run one
// change at a time (api/registry.ts; with a lease across collectors on a shared server).
import type { ClickHouseClient } from '@clickhouse/client';
import { RegistryConflictError, RegistryInputError } from './errors.js';
import { appendEvents, makeEvent, readEvents } from './events.js';
import { foldService } from './fold.js';
import type { RegistryEvent, Stage } from './schema.js';

export type Change =
  | { action: 'register'; service: string; version: string; commit?: string; params?: Record<string, string>; prompts?: Record<string, string>; config?: unknown; note?: string }
  | { action: 'promote'; service: string; version: string; to: 'staging' | 'production'; environment?: string; allowSeveral?: boolean; reason?: string }
  | { action: 'archive'; service: string; version: string; reason: string }
  | { action: 'golden'; service: string; version: string; reason?: string }
  | { action: 'note'; service: string; version: string; text: string };

export const CHANGE_ACTIONS = ['register', 'promote', 'archive', 'golden', 'note'] as const;

/** The environment a production stage is about when none is named. */
export const DEFAULT_PRODUCTION_ENVIRONMENT = 'production';

function required(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new RegistryInputError(`${field} is required`);
  return value.trim();
}

/** Applies one change by `actor` at `atMs`; returns the events appended. */
export async function applyChange(client: ClickHouseClient, change: Change, actor: string, atMs: number = Date.now()): Promise<RegistryEvent[]> {
  const service = required(change.service, 'service');
  const version = required(change.version, 'version');
  const state = foldService(await readEvents(client, { service }));
  const current = state.get(version);
  const base = { service, version, actor };
  const events: RegistryEvent[] = [];
  let t = atMs;
  const add = (e: Parameters<typeof makeEvent>[0]) => events.push(makeEvent(e, t++));

  switch (change.action) {
    case 'register':
      add({ ...base, kind: 'registered', commit: change.commit ?? '', params: change.params ?? {}, prompts: change.prompts ?? {}, config: change.config ?? null, reason: change.note ?? '' });
      break;
    case 'note':
      add({ ...base, kind: 'note', reason: required(change.text, 'note text') });
      break;
    case 'golden': {
      if (current?.stage === 'archived') throw new RegistryConflictError(`${service} ${version} is archived; promote it again before making it the golden version`);
      const previous = [...state.values()].find((s) => s.golden);
      if (previous?.version === version) return [];
      add({ ...base, kind: 'golden', from: previous?.version ?? null, to: version, reason: change.reason ?? '' });
      break;
    }
    case 'archive': {
      const reason = typeof change.reason === 'string' ? change.reason.trim() : '';
      if (reason === '') throw new RegistryInputError('archiving needs a reason (--reason "…"): it is what the next person reads');
      if (current?.golden) {
        throw new RegistryConflictError(`${service} ${version} is the golden version and cannot be archived; make another version golden first (verdict version golden ${service} <version>)`);
      }
      if (current?.stage === 'archived') return [];
      add({ ...base, kind: 'stage', from: current?.stage ?? 'none', to: 'archived', reason });
      break;
    }
    case 'promote': {
      if (change.to !== 'staging' && change.to !== 'production') throw new RegistryInputError(`--to must be staging or production, not ${JSON.stringify(change.to)}`);
      const from: Stage = current?.stage ?? 'none';
      if (change.to === 'staging') {
        if (from === 'staging') return [];
        add({ ...base, kind: 'stage', from, to: 'staging', reason: change.reason ?? '' });
        break;
      }
      const environment = change.environment?.trim() || DEFAULT_PRODUCTION_ENVIRONMENT;
      if (current?.productionEnvironments.has(environment)) return [];
      if (!change.allowSeveral) {
        // One production version per service and environment: the one there steps down, audited.
        for (const other of state.values()) {
          if (other.version === version || !other.productionEnvironments.has(environment)) continue;
          add({ service, version: other.version, actor, kind: 'stage', environment, from: 'production', to: 'none', reason: `replaced in ${environment} by ${version}` });
        }
      }
      add({ ...base, kind: 'stage', environment, from, to: 'production', reason: change.reason ?? '' });
      break;
    }
    default:
      throw new RegistryInputError(`unknown registry action ${JSON.stringify((change as { action: unknown }).action)}; expected one of ${CHANGE_ACTIONS.join(', ')}`);
  }
  await appendEvents(client, events);
  return events;
}
