// The registry's records and events, declared once as JSON Schema (TypeBox): the API's response
// schemas, the CLI's types and the page's expectations derive from these.
import { Type, type Static } from '@sinclair/typebox';
import { answer, Iso, nullable, oneOf } from '../queries/question.js';

export const STAGES = ['none', 'staging', 'production', 'archived'] as const;
export type Stage = (typeof STAGES)[number];
export const EVENT_KINDS = ['registered', 'stage', 'golden', 'note'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

const StringMap = Type.Record(Type.String(), Type.String());

export const RegistryEventSchema = answer({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  service: Type.String(),
  version: Type.String(),
  environment: Type.String({ description: 'The environment a production stage change is about; empty otherwise.' }),
  kind: oneOf(EVENT_KINDS),
  from: nullable(Type.String()),
  to: nullable(Type.String()),
  actor: Type.String({ description: 'Who: the API key\'s name or fingerprint, or the CLI\'s CI actor / $USER.' }),
  reason: Type.String(),
  commit: Type.String(),
  params: StringMap,
  prompts: StringMap,
  config: nullable(Type.Unknown()),
});
export type RegistryEvent = Static<typeof RegistryEventSchema>;

export const DRIFT_KINDS = ['production_not_serving', 'unregistered_in_production', 'archived_in_production', 'long_overlap'] as const;
export const DriftSchema = answer({ kind: oneOf(DRIFT_KINDS), environment: Type.String(), message: Type.String() });
export type Drift = Static<typeof DriftSchema>;

export const VersionRecordSchema = answer({
  service: Type.String(),
  version: Type.String(),
  registered: Type.Boolean({ description: 'True once any event names it; versions seen in spans have a record anyway.' }),
  stage: oneOf(STAGES),
  productionEnvironments: Type.Array(Type.String()),
  golden: Type.Boolean(),
  commit: Type.String({ description: 'The registered commit, else the commit its spans carry.' }),
  branch: Type.String(),
  params: StringMap,
  prompts: StringMap,
  config: nullable(Type.Unknown()),
  notes: Type.Array(answer({ at: Type.String({ format: 'date-time' }), actor: Type.String(), text: Type.String() })),
  archiveReason: nullable(Type.String()),
  firstSeen: Iso(),
  lastSeen: Iso(),
  environments: Type.Array(Type.String()),
  requests: Type.Integer(),
  drift: Type.Array(DriftSchema),
});
export type VersionRecord = Static<typeof VersionRecordSchema>;

export const HistoryEntrySchema = answer({
  at: Type.String({ format: 'date-time' }),
  source: oneOf(['registry', 'traffic'] as const),
  kind: Type.String(),
  environment: Type.String(),
  text: Type.String(),
  actor: nullable(Type.String()),
});
export type HistoryEntry = Static<typeof HistoryEntrySchema>;

export const VersionDiffSchema = answer({
  service: Type.String(),
  from: Type.String(),
  to: Type.String(),
  commits: answer({ from: Type.String(), to: Type.String() }),
  params: Type.Array(answer({ key: Type.String(), from: nullable(Type.String()), to: nullable(Type.String()) })),
  prompts: Type.Array(answer({ key: Type.String(), from: nullable(Type.String()), to: nullable(Type.String()) })),
  config: Type.Array(answer({ path: Type.String(), from: nullable(Type.String()), to: nullable(Type.String()) })),
});
export type VersionDiff = Static<typeof VersionDiffSchema>;
