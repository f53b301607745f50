// Links every span to the local root of its trace (the first span this process started in it), so trace-level
// attributes can be written onto the span Verdict counts as the request, from anywhere below it. The link is a
// property on the span object itself: no registry to clean up, nothing kept alive after the spans are gone.

import { trace, type Context, type Span as ApiSpan } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/sdk-trace-base';

const LOCAL_ROOT = Symbol('verdict.localRoot');

interface Linked {
  [LOCAL_ROOT]?: Span;
}

/** Called as each span starts. A root has no parent, or a parent in another process (a remote caller). */
export function linkLocalRoot(span: Span, parentContext: Context): void {
  const parent = span.parentSpanContext;
  if (parent === undefined || parent.isRemote === true) {
    (span as Linked)[LOCAL_ROOT] = span;
    return;
  }
  // A parent from another tracer provider carries no link; the span then has no known root.
  (span as Linked)[LOCAL_ROOT] = (trace.getSpan(parentContext) as Linked | undefined)?.[LOCAL_ROOT];
}

/** The local root of the trace `span` belongs to, when that span was started by a Verdict processor. */
export function localRootOf(span: ApiSpan): Span | undefined {
  return (span as Linked)[LOCAL_ROOT];
}
