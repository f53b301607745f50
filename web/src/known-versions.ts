// The versions the store knows, for the scope bar and the version pickers: one shared
// /api/versions call (all services, all time) that each picker narrows to the chosen service and
// environment itself.
import type { VersionsResult } from './api-types.js';
import type { Params } from './route.js';
import { useApi, type ApiState } from './use-api.js';

export function useKnownVersions(): ApiState<VersionsResult> {
  return useApi<VersionsResult>('/api/versions', {}, { share: true });
}

/** Version names of the chosen service and environment, oldest first. */
export function versionsIn(known: VersionsResult | null, params: Params): string[] {
  const rows = (known?.versions ?? []).filter((v) => (!params.service || v.service === params.service) && (!params.env || v.environment === params.env));
  return [...new Set(rows.map((v) => v.version))];
}
