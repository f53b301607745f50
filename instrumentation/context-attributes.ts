// Context-scoped attributes. withSession / withVersion / withAttributes put values in the OTel context, which
// the async-hooks context manager carries across await, timers and event emitters; the span processor stamps
// them on every span started inside. setActiveVersion is the process-wide default, setTraceAttributes writes
// the current trace's root span (MLflow's update_current_trace).

import {
  context,
  createContextKey,
  trace,
  type AttributeValue,
  type Attributes,
  type Context,
} from '@opentelemetry/api';
import { ATTR_APP_VERSION, ATTR_SESSION_ID, ATTR_USER_ID } from './attribute-keys.js';
import { openLocalRoot } from './local-roots.js';

export interface SessionAttributes {
  /** → `session.id` */
  sessionId?: string | number;
  /** → `user.id` */
  userId?: string | number;
}

/** Scoped attributes as the processor reads them: flat pairs, inner scopes already merged over outer ones. */
export type ScopedEntries = ReadonlyArray<readonly [string, AttributeValue]>;

const SCOPE_KEY = createContextKey('verdict.scoped-attributes');
const NO_ENTRIES: ScopedEntries = Object.freeze([]);

let activeVersion: string | undefined;

/** Runs `fn` with `session.id` / `user.id` on every span started inside it, across awaits and callbacks. */
export function withSession<T>(session: SessionAttributes, fn: () => T): T {
  return withAttributes({ [ATTR_SESSION_ID]: idString(session.sessionId), [ATTR_USER_ID]: idString(session.userId) }, fn);
}

/** Runs `fn` with `app.version` on every span started inside it: the variant being compared. */
export function withVersion<T>(version: string, fn: () => T): T {
  return withAttributes({ [ATTR_APP_VERSION]: version }, fn);
}

/**
 * Runs `fn` with these attributes on every span started inside it. Inner scopes win over outer ones, and an
 * attribute given when a span is started wins over all scopes.
 *
 * When a request's root span was started before the scope (typically by HTTP server instrumentation, before
 * the app knew the session), the root still gets the values it lacks: the root is the row Verdict counts as
 * the request. Values the root already has are left alone, so an outer scope is never overwritten.
 */
export function withAttributes<T>(attributes: Attributes, fn: () => T): T {
  const active = context.active();
  const added = definedEntries(attributes);
  if (added.length === 0) return fn();
  backfillLocalRoot(active, added);
  return context.with(active.setValue(SCOPE_KEY, mergeEntries(scopedEntries(active), added)), fn);
}

/** The process-wide `app.version`, used by spans outside any withVersion scope. `undefined` clears it. */
export function setActiveVersion(version: string | undefined): void {
  activeVersion = version === undefined || version === '' ? undefined : version;
}

export function getActiveVersion(): string | undefined {
  return activeVersion;
}

/**
 * Sets attributes on the current trace's local root span (the request), from any depth below it. Falls back to
 * the active span when the root is not known to Verdict. Returns false when there is no span to write to.
 */
export function setTraceAttributes(attributes: Attributes): boolean {
  const active = trace.getActiveSpan();
  if (!active) return false;
  const target = openLocalRoot(active.spanContext().traceId) ?? active;
  if (!target.isRecording()) return false;
  target.setAttributes(attributes);
  return true;
}

/** Everything the current context would stamp on a new span, active version included. */
export function currentAttributes(ctx: Context = context.active()): Attributes {
  const result: Attributes = {};
  if (activeVersion !== undefined) result[ATTR_APP_VERSION] = activeVersion;
  for (const [key, value] of scopedEntries(ctx)) result[key] = value;
  return result;
}

export function scopedEntries(ctx: Context): ScopedEntries {
  return (ctx.getValue(SCOPE_KEY) as ScopedEntries | undefined) ?? NO_ENTRIES;
}

function backfillLocalRoot(ctx: Context, entries: ScopedEntries): void {
  const span = trace.getSpan(ctx);
  if (!span) return;
  const root = openLocalRoot(span.spanContext().traceId);
  if (!root || root.ended) return;
  for (const [key, value] of entries) {
    if (root.attributes[key] === undefined) root.setAttribute(key, value);
  }
}

function mergeEntries(outer: ScopedEntries, inner: ScopedEntries): ScopedEntries {
  if (outer.length === 0) return inner;
  const innerKeys = new Set(inner.map(([key]) => key));
  return Object.freeze([...outer.filter(([key]) => !innerKeys.has(key)), ...inner]);
}

function definedEntries(attributes: Attributes): ScopedEntries {
  const entries: Array<readonly [string, AttributeValue]> = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === '') continue;
    entries.push(Object.freeze([key, value] as const));
  }
  return Object.freeze(entries);
}

function idString(id: string | number | undefined): string | undefined {
  if (typeof id === 'number') return Number.isFinite(id) ? String(id) : undefined;
  return typeof id === 'string' && id.trim() !== '' ? id : undefined;
}
