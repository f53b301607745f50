// The registry's public types (`verdict/registry`): what its API routes answer, for the page and
// for programs that read the registry.
export type { VersionRecord, RegistryEvent, HistoryEntry, VersionDiff, Drift, Stage } from './schema.js';
export type { RegistryCompare } from './compare-default.js';
