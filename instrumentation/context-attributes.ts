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
import { localRootOf } from './local-roots.js';

export interface SessionAttributes {
  /** → `session.id` */
  sessionId?: string | number;
  /** → `user.id` */
  userId?: string | number;
}

/** Scoped attributes as the processor reads them: flat pairs, inner scopes already merged over outer ones. */
export type ScopedEntries = ReadonlyArray<readonly [string, AttributeValue]>;

const SCOPE_KEY = createContextKey('verdict.scoped-attributes');
const NO_ENTRIES: ScopedEntries = [];

let activeVersion: string | undefined;

/** Runs `fn` with `session.id` / `user.id` on every span started inside it, across awaits and callbacks. */
export function withSession<T>(session: SessionAttributes, fn: () => T): T {
  const entries: Array<readonly [string, AttributeValue]> = [];
  const sessionId = idString(session.sessionId);
  const userId = idString(session.userId);
  if (sessionId !== undefined) entries.push([ATTR_SESSION_ID, sessionId]);
  if (userId !== undefined) entries.push([ATTR_USER_ID, userId]);
  return withEntries(entries, fn);
}

/** Runs `fn` with `app.version` on every span started inside it: the variant being compared. */
export function withVersion<T>(version: string, fn: () => T): T {
  return withEntries(version === '' ? NO_ENTRIES : [[ATTR_APP_VERSION, version]], fn);
}

/**
 * Runs `fn` with these attributes on every span started inside it. Like every with* function here: inner
 * scopes win over outer ones, and an attribute given when a span is started wins over all scopes.
 *
 * When a request's root span was started before the scope (typically by HTTP server instrumentation, before
 * the app knew the session), the root still gets the values it lacks: the root is the row Verdict counts as
 * the request. Values the root already has are left alone, so an outer scope is never overwritten.
 */
export function withAttributes<T>(attributes: Attributes, fn: () => T): T {
  return withEntries(definedEntries(attributes), fn);
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
  const target = localRootOf(active) ?? active;
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

function withEntries<T>(added: ScopedEntries, fn: () => T): T {
  if (added.length === 0) return fn();
  const active = context.active();
  backfillLocalRoot(active, added);
  return context.with(ScopedContext.over(active, mergeEntries(scopedEntries(active), added)), fn);
}

/**
 * The active context plus Verdict's scope. Entering a scope happens per request, and the API's own setValue
 * copies the whole context into a new Map with three new closures; this wrapper costs one small object and
 * collapses nested scopes to a single level, so lookups of other keys go at most one step further.
 */
class ScopedContext implements Context {
  private constructor(
    private readonly parent: Context,
    private readonly scope: ScopedEntries,
  ) {}

  static over(active: Context, scope: ScopedEntries): Context {
    return new ScopedContext(active instanceof ScopedContext ? active.parent : active, scope);
  }

  getValue(key: symbol): unknown {
    return key === SCOPE_KEY ? this.scope : this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    if (key === SCOPE_KEY) return new ScopedContext(this.parent, value as ScopedEntries);
    return new ScopedContext(this.parent.setValue(key, value), this.scope);
  }

  deleteValue(key: symbol): Context {
    if (key === SCOPE_KEY) return this.parent;
    return new ScopedContext(this.parent.deleteValue(key), this.scope);
  }
}

export function scopedEntries(ctx: Context): ScopedEntries {
  return (ctx.getValue(SCOPE_KEY) as ScopedEntries | undefined) ?? NO_ENTRIES;
}

function backfillLocalRoot(ctx: Context, entries: ScopedEntries): void {
  const span = trace.getSpan(ctx);
  const root = span && localRootOf(span);
  if (!root || root.ended) return;
  for (const [key, value] of entries) {
    if (root.attributes[key] === undefined) root.setAttribute(key, value);
  }
}

// Scopes are entered once per request or more, so these two avoid Object.entries, Sets and spreads: the lists
// hold a handful of entries, where plain loops are the fastest option (see bench/instrumentation.ts).
function mergeEntries(outer: ScopedEntries, inner: ScopedEntries): ScopedEntries {
  if (outer.length === 0) return inner;
  const merged: Array<readonly [string, AttributeValue]> = [];
  outer: for (let i = 0; i < outer.length; i++) {
    const entry = outer[i]!;
    for (let j = 0; j < inner.length; j++) if (inner[j]![0] === entry[0]) continue outer;
    merged.push(entry);
  }
  for (let j = 0; j < inner.length; j++) merged.push(inner[j]!);
  return merged;
}

function definedEntries(attributes: Attributes): ScopedEntries {
  const entries: Array<readonly [string, AttributeValue]> = [];
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || value === null || value === '') continue;
    entries.push([key, value]);
  }
  return entries;
}

function idString(id: string | number | undefined): string | undefined {
  if (typeof id === 'number') return Number.isFinite(id) ? String(id) : undefined;
  return typeof id === 'string' && id.trim() !== '' ? id : undefined;
}
