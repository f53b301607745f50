import { EventEmitter } from 'node:events';
import { ROOT_CONTEXT, context, createContextKey, trace, type Span } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  currentAttributes,
  setActiveVersion,
  setTraceAttributes,
  withAttributes,
  withSession,
  withVersion,
} from '../instrumentation/context-attributes.js';
import { contextAttributesSpanProcessor, verdictSpanProcessor } from '../instrumentation/span-processor.js';
import { startVerdict } from '../instrumentation/start.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({
  spanProcessors: [contextAttributesSpanProcessor(), new SimpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer('context-test');

beforeAll(() => {
  // Registers the AsyncLocalStorage context manager, as startVerdict() does.
  provider.register();
});
afterEach(() => {
  exporter.reset();
  setActiveVersion(undefined);
});

const finished = (): ReadableSpan[] => exporter.getFinishedSpans();
const byName = (name: string): ReadableSpan => {
  const found = finished().filter((s) => s.name === name);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('1,000 interleaved concurrent sessions', () => {
  it('stamps every span with exactly its own session, user and version', async () => {
    const SESSIONS = 1000;
    const SPANS_PER_SESSION = 6;
    const versions = ['v1', 'v2', 'v3'];
    const expected = (i: number) => ({
      'session.id': `session-${i}`,
      'user.id': `user-${i % 97}`,
      'app.version': versions[i % versions.length],
    });
    // Registered outside every scope: listeners run in the context of emit().
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    emitter.on('token', (i: number) => tracer.startSpan('on-token', { attributes: { 'test.i': i } }).end());

    const runSession = (i: number) =>
      withSession({ sessionId: `session-${i}`, userId: `user-${i % 97}` }, () =>
        withVersion(versions[i % versions.length]!, () =>
          tracer.startActiveSpan('request', { attributes: { 'test.i': i } }, async (request) => {
            await tick(i % 4);
            tracer.startSpan('retrieve', { attributes: { 'test.i': i } }).end();
            await new Promise<void>((resolve) => setImmediate(resolve));
            emitter.emit('token', i);
            // A span started from a timer callback, not from the awaited continuation.
            await new Promise<void>((resolve) =>
              setTimeout(() => {
                tracer.startSpan('timer-callback', { attributes: { 'test.i': i } }).end();
                resolve();
              }, (i * 7) % 3),
            );
            await tracer.startActiveSpan('llm', { attributes: { 'test.i': i } }, async (llm) => {
              await Promise.resolve();
              tracer.startSpan('tokenize', { attributes: { 'test.i': i } }).end();
              llm.end();
            });
            request.end();
          }),
        ),
      );

    await Promise.all(Array.from({ length: SESSIONS }, (_, i) => runSession(i)));

    const spans = finished();
    expect(spans).toHaveLength(SESSIONS * SPANS_PER_SESSION);
    const mismatches = spans.filter((span) => {
      const want = expected(span.attributes['test.i'] as number);
      return (
        span.attributes['session.id'] !== want['session.id'] ||
        span.attributes['user.id'] !== want['user.id'] ||
        span.attributes['app.version'] !== want['app.version']
      );
    });
    expect(mismatches).toEqual([]);
    // Each trace holds one session's spans only.
    const sessionsPerTrace = new Map<string, Set<unknown>>();
    for (const span of spans) {
      const set = sessionsPerTrace.get(span.spanContext().traceId) ?? new Set();
      set.add(span.attributes['session.id']);
      sessionsPerTrace.set(span.spanContext().traceId, set);
    }
    expect(sessionsPerTrace.size).toBe(SESSIONS);
    expect([...sessionsPerTrace.values()].every((set) => set.size === 1)).toBe(true);
    // The sessions really did interleave: spans did not finish in session order.
    const order = spans.filter((s) => s.name === 'request').map((s) => s.attributes['test.i'] as number);
    expect(order.some((value, index) => index > 0 && value < order[index - 1]!)).toBe(true);
  });
});

describe('scopes', () => {
  it('lets inner scopes win and restores the outer scope after them', async () => {
    await withSession({ sessionId: 'outer', userId: 'u1' }, async () => {
      await withSession({ sessionId: 'inner' }, async () => {
        await tick(0);
        tracer.startSpan('in-inner').end();
      });
      tracer.startSpan('after-inner').end();
    });
    tracer.startSpan('outside').end();
    expect(byName('in-inner').attributes).toMatchObject({ 'session.id': 'inner', 'user.id': 'u1' });
    expect(byName('after-inner').attributes).toMatchObject({ 'session.id': 'outer', 'user.id': 'u1' });
    expect(byName('outside').attributes['session.id']).toBeUndefined();
  });

  it('keeps every other context value readable, settable and deletable inside a scope', () => {
    const KEY = createContextKey('app-key');
    context.with(context.active().setValue(KEY, 'outer'), () =>
      withSession({ sessionId: 's' }, () =>
        withVersion('v', () => {
          const scoped = context.active();
          expect(scoped.getValue(KEY)).toBe('outer');
          const changed = scoped.setValue(KEY, 'inner');
          expect([changed.getValue(KEY), scoped.getValue(KEY)]).toEqual(['inner', 'outer']);
          expect(currentAttributes(changed)).toEqual({ 'session.id': 's', 'app.version': 'v' });
          const removed = scoped.deleteValue(KEY);
          expect(removed.getValue(KEY)).toBeUndefined();
          expect(currentAttributes(removed)).toEqual({ 'session.id': 's', 'app.version': 'v' });
        }),
      ),
    );
  });

  it('keeps attributes given when a span starts over scoped ones', () => {
    withVersion('scoped', () => tracer.startSpan('explicit', { attributes: { 'app.version': 'explicit' } }).end());
    expect(byName('explicit').attributes['app.version']).toBe('explicit');
  });

  it('turns numeric ids into strings and skips empty values', () => {
    withSession({ sessionId: 42, userId: '' }, () => tracer.startSpan('numeric').end());
    expect(byName('numeric').attributes['session.id']).toBe('42');
    expect(byName('numeric').attributes['user.id']).toBeUndefined();
  });

  it('carries any attributes with withAttributes and reports them with currentAttributes', () => {
    setActiveVersion('base');
    const seen = withAttributes({ 'feature_flag.variant': 'blue', 'gen_ai.request.model': 'small' }, () => {
      tracer.startSpan('flagged').end();
      return currentAttributes();
    });
    expect(byName('flagged').attributes).toMatchObject({ 'feature_flag.variant': 'blue', 'gen_ai.request.model': 'small' });
    expect(seen).toEqual({ 'app.version': 'base', 'feature_flag.variant': 'blue', 'gen_ai.request.model': 'small' });
  });
});

describe('active version', () => {
  it('stamps the process-wide version outside withVersion and yields to withVersion inside it', () => {
    setActiveVersion('prompt-v7');
    tracer.startSpan('global').end();
    withVersion('prompt-v8', () => tracer.startSpan('scoped').end());
    setActiveVersion(undefined);
    tracer.startSpan('cleared').end();
    expect(byName('global').attributes['app.version']).toBe('prompt-v7');
    expect(byName('scoped').attributes['app.version']).toBe('prompt-v8');
    expect(byName('cleared').attributes['app.version']).toBeUndefined();
  });
});

describe('trace-level attributes', () => {
  it('setTraceAttributes writes the local root span from any depth below it', async () => {
    await tracer.startActiveSpan('root', async (root) => {
      await tracer.startActiveSpan('child', async (child) => {
        await tick(0);
        tracer.startActiveSpan('grandchild', (grandchild) => {
          expect(setTraceAttributes({ 'mlflow.trace.tag': 'eval-run-3', 'gen_ai.conversation.id': 'c-9' })).toBe(true);
          grandchild.end();
        });
        child.end();
      });
      root.end();
    });
    expect(byName('root').attributes).toMatchObject({ 'mlflow.trace.tag': 'eval-run-3', 'gen_ai.conversation.id': 'c-9' });
    expect(byName('child').attributes['mlflow.trace.tag']).toBeUndefined();
    expect(byName('grandchild').attributes['mlflow.trace.tag']).toBeUndefined();
  });

  it('treats a span continuing a remote trace as the local root', () => {
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
    context.with(remote, () =>
      tracer.startActiveSpan('server', (server) => {
        tracer.startActiveSpan('handler', (handler) => {
          setTraceAttributes({ tag: 'x' });
          handler.end();
        });
        server.end();
      }),
    );
    expect(byName('server').attributes['tag']).toBe('x');
    expect(byName('handler').attributes['tag']).toBeUndefined();
  });

  it('returns false with no active span', () => {
    expect(setTraceAttributes({ tag: 'lost' })).toBe(false);
  });

  it('fills the session into a root span started before the scope (framework entry spans)', async () => {
    await tracer.startActiveSpan('http-server', async (root: Span) => {
      await tick(0);
      await withSession({ sessionId: 's-late', userId: 'u-late' }, () =>
        withVersion('v2', async () => {
          await tick(0);
          tracer.startSpan('handler').end();
        }),
      );
      root.end();
    });
    expect(byName('http-server').attributes).toMatchObject({ 'session.id': 's-late', 'user.id': 'u-late', 'app.version': 'v2' });
    expect(byName('handler').attributes).toMatchObject({ 'session.id': 's-late', 'app.version': 'v2' });
  });

  it('never overwrites what the root span already has', () => {
    withSession({ sessionId: 'first' }, () =>
      tracer.startActiveSpan('root-with-session', (root) => {
        withSession({ sessionId: 'second' }, () => tracer.startSpan('child-of-second').end());
        root.end();
      }),
    );
    expect(byName('root-with-session').attributes['session.id']).toBe('first');
    expect(byName('child-of-second').attributes['session.id']).toBe('second');
  });
});

describe('verdictSpanProcessor with an exporter of the app', () => {
  it('stamps and exports through the given exporter in batches', async () => {
    const sink = new InMemorySpanExporter();
    const processor = verdictSpanProcessor({ exporter: sink, flushOnExit: false });
    const own = new NodeTracerProvider({ spanProcessors: [processor] });
    const ownTracer = own.getTracer('own');
    withSession({ sessionId: 's1', userId: 'u1' }, () => withVersion('B', () => ownTracer.startSpan('batched').end()));
    expect(sink.getFinishedSpans()).toHaveLength(0); // still in the batch
    await own.forceFlush();
    expect(sink.getFinishedSpans().map((s) => s.attributes)).toEqual([
      { 'session.id': 's1', 'user.id': 'u1', 'app.version': 'B' },
    ]);
    await own.shutdown();
  });

  it('only stamps with exporter: null', async () => {
    const processor = verdictSpanProcessor({ exporter: null });
    const appExporter = new InMemorySpanExporter();
    const own = new NodeTracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor(appExporter)] });
    withVersion('C', () => own.getTracer('own').startSpan('stamped').end());
    expect(appExporter.getFinishedSpans()[0]?.attributes['app.version']).toBe('C');
    await own.shutdown();
  });
});

describe('startVerdict next to another SDK', () => {
  it('refuses with OTEL_ALREADY_REGISTERED when another provider owns the global API', () => {
    // beforeAll registered this file's provider globally, as an app's own NodeSDK would.
    expect(() => startVerdict({ flushOnExit: false, detectGit: false })).toThrow(
      expect.objectContaining({ code: 'OTEL_ALREADY_REGISTERED' }),
    );
  });
});
