// Builds small OTLP/JSON export requests for tests: one resource, `count` spans with sequential ids
// starting at `firstId` (trace and span id both derived from it, so every span is its own trace).

export interface JsonSpansOptions {
  service: string;
  count: number;
  name?: string;
  /** Id of the first span; span i gets firstId + i (hex, zero-padded). */
  firstId?: number;
  /** More resource attributes (strings). */
  resource?: Record<string, string>;
  startUnixNano?: bigint;
  durationNs?: bigint;
}

export const traceIdOf = (id: number): string => id.toString(16).padStart(32, '0');
export const spanIdOf = (id: number): string => id.toString(16).padStart(16, '0');

export function otlpJsonRequest(opts: JsonSpansOptions): string {
  const first = opts.firstId ?? 1;
  const start = opts.startUnixNano ?? 1_700_000_000_000_000_000n;
  const end = start + (opts.durationNs ?? 100_000_000n);
  const attributes = Object.entries({ 'service.name': opts.service, ...opts.resource }).map(([key, v]) => ({ key, value: { stringValue: v } }));
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes },
        scopeSpans: [
          {
            spans: Array.from({ length: opts.count }, (_, i) => ({
              traceId: traceIdOf(first + i),
              spanId: spanIdOf(first + i),
              name: opts.name ?? 'op',
              startTimeUnixNano: String(start),
              endTimeUnixNano: String(end),
            })),
          },
        ],
      },
    ],
  });
}
