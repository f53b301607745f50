// A version's registered state is its events folded in time order. Folding is per service because
// two rules span versions: one production version per environment, and one golden version.
import type { RegistryEvent, Stage } from './schema.js';

export interface RegisteredState {
  version: string;
  stage: Stage;
  productionEnvironments: Set<string>;
  golden: boolean;
  commit: string;
  params: Record<string, string>;
  prompts: Record<string, string>;
  config: unknown;
  notes: Array<{ at: string; actor: string; text: string }>;
  archiveReason: string | null;
  /** When it went into production last (for the "iterations behind" policy). */
  productionSinceMs: number | null;
  registeredAtMs: number;
}

export type ServiceState = Map<string, RegisteredState>;

function blank(version: string, atMs: number): RegisteredState {
  return {
    version,
    stage: 'none',
    productionEnvironments: new Set(),
    golden: false,
    commit: '',
    params: {},
    prompts: {},
    config: null,
    notes: [],
    archiveReason: null,
    productionSinceMs: null,
    registeredAtMs: atMs,
  };
}

/** The state of every version of one service named by an event, after `events` (one service's, in order). */
export function foldService(events: readonly RegistryEvent[]): ServiceState {
  const state: ServiceState = new Map();
  const of = (e: RegistryEvent) => {
    let s = state.get(e.version);
    if (!s) state.set(e.version, (s = blank(e.version, Date.parse(e.at))));
    return s;
  };
  for (const e of events) {
    const s = of(e);
    switch (e.kind) {
      case 'registered':
        if (e.commit) s.commit = e.commit;
        s.params = { ...s.params, ...e.params };
        s.prompts = { ...s.prompts, ...e.prompts };
        if (e.config !== null) s.config = e.config;
        if (e.reason) s.notes.push({ at: e.at, actor: e.actor, text: e.reason });
        break;
      case 'note':
        s.notes.push({ at: e.at, actor: e.actor, text: e.reason });
        break;
      case 'golden':
        for (const other of state.values()) other.golden = false;
        s.golden = e.to === e.version;
        break;
      case 'stage': {
        const to = (e.to ?? 'none') as Stage;
        if (to === 'production') {
          s.productionEnvironments.add(e.environment);
          s.stage = 'production';
          s.productionSinceMs = Date.parse(e.at);
        } else if (e.environment !== '' && s.stage === 'production') {
          // Demoted in one environment; still production wherever else it is.
          s.productionEnvironments.delete(e.environment);
          if (s.productionEnvironments.size === 0) s.stage = to;
        } else {
          s.productionEnvironments.clear();
          s.stage = to;
        }
        s.archiveReason = to === 'archived' ? e.reason : null;
        break;
      }
    }
  }
  return state;
}

/** Groups events by service, keeping their order. */
export function byService(events: readonly RegistryEvent[]): Map<string, RegistryEvent[]> {
  const out = new Map<string, RegistryEvent[]>();
  for (const e of events) {
    let list = out.get(e.service);
    if (!list) out.set(e.service, (list = []));
    list.push(e);
  }
  return out;
}
