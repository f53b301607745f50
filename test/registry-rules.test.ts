// The registry's rules as pure functions over events and deployments (no engine needed): folding
// stage changes (one production version per environment, demotion in one environment only), and
// each kind of drift between the registry and the traffic.
import { describe, expect, it } from 'vitest';
import { makeEvent, type NewEvent } from '../registry/events.js';
import { foldService } from '../registry/fold.js';
import { driftOf, type ServiceView } from '../registry/records.js';
import type { Deployment } from '../queries/deployments.js';

const T = Date.UTC(2026, 0, 5);
const ev = (e: Omit<NewEvent, 'service' | 'actor'>, i: number) => makeEvent({ service: 's', actor: 'me', ...e }, T + i);

function view(events: ReturnType<typeof ev>[], deployments: Partial<Deployment>[]): ServiceView {
  return {
    service: 's',
    events,
    state: foldService(events),
    traffic: [],
    deployments: deployments.map((d) => ({ service: 's', environment: 'production', asOf: new Date(T + 3_600_000).toISOString(), versions: [], live: [], eras: [], rollouts: [], rollbacks: [], overlaps: [], ...d })),
    branches: new Map(),
  };
}

describe('registry rules', () => {
  it('a version in production in two environments stays production when demoted in one', () => {
    const s = foldService([
      ev({ version: 'a', kind: 'stage', environment: 'production', to: 'production' }, 0),
      ev({ version: 'a', kind: 'stage', environment: 'eu', to: 'production' }, 1),
      ev({ version: 'a', kind: 'stage', environment: 'eu', from: 'production', to: 'none' }, 2),
    ]);
    expect(s.get('a')).toMatchObject({ stage: 'production', productionEnvironments: new Set(['production']) });
  });

  it('flags each kind of drift', () => {
    const events = [
      ev({ version: 'a', kind: 'stage', environment: 'production', to: 'production' }, 0),
      ev({ version: 'old', kind: 'stage', to: 'archived', reason: 'gone' }, 1),
    ];
    const v = view(events, [{
      live: ['old', 'x'],
      overlaps: [{ from: new Date(T).toISOString(), to: new Date(T + 2 * 3_600_000).toISOString(), versions: [{ version: 'old', requests: 9, share: 0.9 }, { version: 'x', requests: 1, share: 0.1 }] }],
    }]);
    const drift = driftOf(v, 60);
    expect(drift.get('a')?.map((d) => d.kind)).toEqual(['production_not_serving']);
    expect(drift.get('old')?.map((d) => d.kind)).toEqual(['archived_in_production', 'long_overlap']);
    expect(drift.get('x')?.map((d) => d.kind)).toEqual(['unregistered_in_production', 'long_overlap']);
    // A canary shorter than the canary time is no drift.
    expect(driftOf(v, 180).get('x')?.map((d) => d.kind)).toEqual(['unregistered_in_production']);
  });
});
