// How many export requests the process works on at once, OTLP/HTTP and OTLP/gRPC together. Each
// may hold up to --max-body-bytes in memory, so this count, not the number of connections, is what
// bounds memory; beyond it senders are told to retry (429 / RESOURCE_EXHAUSTED with a retry hint).

export interface ExportSlots {
  readonly limit: number;
  /** A free slot, or undefined when all are taken. Its release gives it back, once however often called. */
  take(): (() => void) | undefined;
  inUse(): number;
}

export function createExportSlots(limit: number): ExportSlots {
  let used = 0;
  return {
    limit,
    take() {
      if (used >= limit) return undefined;
      used++;
      let held = true;
      return () => {
        if (held) used--;
        held = false;
      };
    },
    inUse: () => used,
  };
}
