// The derived columns follow the documented precedence (docs/schema.md): span attributes before
// resource attributes, OTel semantic-convention keys before MLflow / Langfuse / OpenInference aliases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { postOtlp, rows, startTestCollector } from './helpers/in-process-collector.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector();
});
afterAll(async () => {
  await c?.close();
});

type Attrs = Record<string, string | number>;
const kvs = (a: Attrs) =>
  Object.entries(a).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } }));

let seq = 0;
async function store(resource: Attrs, span: Attrs, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const spanId = (++seq).toString(16).padStart(16, '0');
  const doc = {
    resourceSpans: [
      {
        resource: { attributes: kvs(resource) },
        scopeSpans: [
          {
            spans: [
              {
                traceId: 'abcdef0123456789abcdef0123456789',
                spanId,
                name: 'case',
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000100000000',
                attributes: kvs(span),
                ...extra,
              },
            ],
          },
        ],
      },
    ],
  };
  expect((await postOtlp(c, JSON.stringify(doc), { 'content-type': 'application/json' })).status).toBe(200);
  const [row] = await rows(
    c,
    'SELECT AppVersion, Environment, SessionId, UserId, GitCommit, InputTokens, OutputTokens, IsRequest FROM otel_traces WHERE SpanId = {s:String}',
    { s: spanId },
  );
  return row;
}

describe('derived columns', () => {
  it('MLflow-style keys give the same values as the semantic conventions', async () => {
    const semconv = await store(
      { 'service.version': '3.1.0', 'deployment.environment.name': 'prod', 'vcs.ref.head.revision': 'c0ffee' },
      { 'session.id': 's-1', 'user.id': 'u-1' },
    );
    const mlflow = await store(
      { 'deployment.environment': 'prod' },
      { app_version: '3.1.0', 'mlflow.trace.session': 's-1', 'mlflow.trace.user': 'u-1', 'mlflow.source.git.commit': 'c0ffee' },
    );
    expect(mlflow).toEqual(semconv);
    expect(semconv).toMatchObject({ AppVersion: '3.1.0', Environment: 'prod', SessionId: 's-1', UserId: 'u-1', GitCommit: 'c0ffee' });
  });

  it('Langfuse and OpenInference keys are understood', async () => {
    const row = await store(
      {},
      {
        'langfuse.version': 'prompt-v7',
        'langfuse.environment': 'canary',
        'langfuse.session.id': 'lf-s',
        'langfuse.user.id': 'lf-u',
        'llm.token_count.prompt': 31,
        'llm.token_count.completion': 9,
      },
    );
    expect(row).toMatchObject({ AppVersion: 'prompt-v7', Environment: 'canary', SessionId: 'lf-s', UserId: 'lf-u', InputTokens: 31, OutputTokens: 9 });
  });

  it('a span attribute overrides the resource; semantic-convention keys win over aliases', async () => {
    const row = await store(
      { 'service.version': '1.0.0', 'deployment.environment.name': 'prod', 'session.id': 'resource-session' },
      {
        'app.version': 'exp-b',
        app_version: 'ignored',
        'deployment.environment.name': 'shadow',
        'session.id': 'span-session',
        'mlflow.trace.session': 'ignored',
        'enduser.id': 'end-user',
        'gen_ai.usage.input_tokens': 100,
        'gen_ai.usage.prompt_tokens': 1,
        'gen_ai.usage.completion_tokens': 7,
      },
    );
    expect(row).toMatchObject({ AppVersion: 'exp-b', Environment: 'shadow', SessionId: 'span-session', UserId: 'end-user', InputTokens: 100, OutputTokens: 7 });
  });

  it('empty values fall through to the next key; nothing at all gives empty strings and zeros', async () => {
    expect(await store({ 'service.version': '9.9.9' }, { 'app.version': '' })).toMatchObject({ AppVersion: '9.9.9' });
    expect(await store({}, {}, { parentSpanId: 'aaaaaaaaaaaaaaaa', kind: 1 })).toEqual({
      AppVersion: '',
      Environment: '',
      SessionId: '',
      UserId: '',
      GitCommit: '',
      InputTokens: 0,
      OutputTokens: 0,
      IsRequest: 0,
    });
  });

  it('a request is a root span or a server-kind entry span', async () => {
    expect((await store({}, {})).IsRequest).toBe(1);
    expect((await store({}, {}, { parentSpanId: 'bbbbbbbbbbbbbbbb', kind: 2 })).IsRequest).toBe(1);
    expect((await store({}, {}, { parentSpanId: 'bbbbbbbbbbbbbbbb', kind: 3 })).IsRequest).toBe(0);
  });
});
