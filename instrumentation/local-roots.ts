// Remembers the open local root span of each trace (the first span this process started in it), so that
// trace-level attributes can be written onto the span Verdict counts as the request, from anywhere below it.
// Filled by the span processor; read by setTraceAttributes and the with* scopes.

import type { ReadableSpan, Span } from '@opentelemetry/sdk-trace-base';

/**
 * Spans that never end would otherwise pin memory forever; past this many open traces, new roots are simply
 * not tracked and trace-level attributes fall back to the active span.
 */
export const MAX_TRACKED_ROOTS = 10_000;

const openRoots = new Map<string, Span>();

/** A root has no parent, or a parent in another process (the trace continues from a remote caller). */
export function isLocalRoot(span: ReadableSpan): boolean {
  const parent = span.parentSpanContext;
  return parent === undefined || parent.isRemote === true;
}

export function trackLocalRoot(span: Span): void {
  if (openRoots.size >= MAX_TRACKED_ROOTS) return;
  openRoots.set(span.spanContext().traceId, span);
}

export function releaseLocalRoot(span: ReadableSpan): void {
  const traceId = span.spanContext().traceId;
  // Two local roots can share a trace (a remote caller fanned out to this process twice): only forget our own.
  if (openRoots.get(traceId) === span) openRoots.delete(traceId);
}

export function openLocalRoot(traceId: string): Span | undefined {
  return openRoots.get(traceId);
}

export function openLocalRootCount(): number {
  return openRoots.size;
}
