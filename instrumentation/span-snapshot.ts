// Turns finished spans into plain JSON and back, so the exit path can hand them to a short-lived child process
// that exports them with the very same OTLP exporter. Resources are listed once and referenced by index: the
// OTLP encoder groups spans by resource object identity.

import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import { TraceState, type InstrumentationScope } from '@opentelemetry/core';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

export interface SpanBatchSnapshot {
  resources: Array<{ attributes: Attributes; schemaUrl?: string }>;
  spans: SpanSnapshot[];
}

interface ContextSnapshot {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  traceState?: string;
}

interface SpanSnapshot {
  resource: number;
  name: string;
  kind: SpanKind;
  context: ContextSnapshot;
  parent?: ContextSnapshot;
  startTime: HrTime;
  endTime: HrTime;
  duration: HrTime;
  status: SpanStatus;
  attributes: Attributes;
  links: Array<{ context: ContextSnapshot; attributes?: Attributes; droppedAttributesCount?: number }>;
  events: TimedEvent[];
  scope: InstrumentationScope;
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
}

export function snapshotSpans(spans: readonly ReadableSpan[]): SpanBatchSnapshot {
  const resourceIndex = new Map<Resource, number>();
  const resources: SpanBatchSnapshot['resources'] = [];
  const snapshots = spans.map((span): SpanSnapshot => {
    let index = resourceIndex.get(span.resource);
    if (index === undefined) {
      index = resources.push({ attributes: span.resource.attributes, schemaUrl: span.resource.schemaUrl }) - 1;
      resourceIndex.set(span.resource, index);
    }
    return {
      resource: index,
      name: span.name,
      kind: span.kind,
      context: snapshotContext(span.spanContext()),
      parent: span.parentSpanContext && snapshotContext(span.parentSpanContext),
      startTime: span.startTime,
      endTime: span.endTime,
      duration: span.duration,
      status: span.status,
      attributes: span.attributes,
      links: span.links.map((link) => ({ ...link, context: snapshotContext(link.context) })),
      events: span.events,
      scope: span.instrumentationScope,
      droppedAttributesCount: span.droppedAttributesCount,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
    };
  });
  return { resources, spans: snapshots };
}

export function restoreSpans(batch: SpanBatchSnapshot): ReadableSpan[] {
  const resources = batch.resources.map((r) => resourceFromAttributes(r.attributes, { schemaUrl: r.schemaUrl }));
  return batch.spans.map((s): ReadableSpan => {
    const spanContext = restoreContext(s.context);
    return {
      name: s.name,
      kind: s.kind,
      spanContext: () => spanContext,
      parentSpanContext: s.parent && restoreContext(s.parent),
      startTime: s.startTime,
      endTime: s.endTime,
      duration: s.duration,
      status: s.status,
      attributes: s.attributes,
      links: s.links.map((link): Link => ({ ...link, context: restoreContext(link.context) })),
      events: s.events,
      ended: true,
      resource: resources[s.resource]!,
      instrumentationScope: s.scope,
      droppedAttributesCount: s.droppedAttributesCount,
      droppedEventsCount: s.droppedEventsCount,
      droppedLinksCount: s.droppedLinksCount,
    };
  });
}

function snapshotContext(ctx: SpanContext): ContextSnapshot {
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    traceFlags: ctx.traceFlags,
    isRemote: ctx.isRemote,
    traceState: ctx.traceState?.serialize(),
  };
}

function restoreContext(ctx: ContextSnapshot): SpanContext {
  const { traceState, ...rest } = ctx;
  return traceState ? { ...rest, traceState: new TraceState(traceState) } : rest;
}
