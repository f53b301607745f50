// The append-only event log: appending (the only write there is) and reading back in time order.
// A retried append carries its event ids as the deduplication token, so it lands once.
import type { ClickHouseClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { readSqlFile } from '../schema/sql-files.js';
import type { EventKind, RegistryEvent } from './schema.js';

export type NewEvent = Omit<RegistryEvent, 'id' | 'at' | 'params' | 'prompts' | 'config' | 'commit' | 'reason' | 'environment' | 'from' | 'to'> &
  Partial<Pick<RegistryEvent, 'params' | 'prompts' | 'config' | 'commit' | 'reason' | 'environment' | 'from' | 'to'>> & { kind: EventKind };

export function makeEvent(e: NewEvent, atMs: number): RegistryEvent {
  return {
    id: randomUUID(),
    at: new Date(atMs).toISOString(),
    service: e.service,
    version: e.version,
    environment: e.environment ?? '',
    kind: e.kind,
    from: e.from ?? null,
    to: e.to ?? null,
    actor: e.actor,
    reason: e.reason ?? '',
    commit: e.commit ?? '',
    params: e.params ?? {},
    prompts: e.prompts ?? {},
    config: e.config ?? null,
  };
}

export async function appendEvents(client: ClickHouseClient, events: RegistryEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e) =>
    JSON.stringify({
      EventId: e.id,
      At: e.at.replace('T', ' ').replace('Z', ''),
      Service: e.service,
      Version: e.version,
      Environment: e.environment,
      Kind: e.kind,
      FromValue: e.from ?? '',
      ToValue: e.to ?? '',
      Actor: e.actor,
      Reason: e.reason,
      GitCommit: e.commit,
      Params: e.params,
      Prompts: e.prompts,
      Config: e.config === null ? '' : JSON.stringify(e.config),
    }),
  );
  await client.command({ query: readSqlFile('registry/append.sql'), query_params: { token: events.map((e) => e.id).join(','), rows: rows.join('\n') } });
}

export async function readEvents(client: ClickHouseClient, filter: { service?: string; version?: string } = {}): Promise<RegistryEvent[]> {
  const result = await client.query({
    query: readSqlFile('registry/events.sql'),
    format: 'JSONEachRow',
    query_params: { service: filter.service ?? '', version: filter.version ?? '' },
  });
  const rows = await result.json<Record<string, unknown>>();
  return rows.map((r) => ({
    id: String(r.id),
    at: new Date(Number(r.at_ms)).toISOString(),
    service: String(r.service),
    version: String(r.version),
    environment: String(r.environment),
    kind: String(r.kind) as EventKind,
    from: r.from_value === '' ? null : String(r.from_value),
    to: r.to_value === '' ? null : String(r.to_value),
    actor: String(r.actor),
    reason: String(r.reason),
    commit: String(r.commit),
    params: (r.params ?? {}) as Record<string, string>,
    prompts: (r.prompts ?? {}) as Record<string, string>,
    config: r.config === '' || r.config === undefined ? null : (JSON.parse(String(r.config)) as unknown),
  }));
}
