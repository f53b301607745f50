// Known traffic for the web page's tests, sent over OTLP/JSON to a running collector: a deployment
// story of one service (v1; a v2 canary; v2 rolled out; rolled back to v1), a trace whose spans
// arrive out of order, and a service whose names and attributes are hostile markup; then feedback
// on the story's requests through POST /api/feedback (STORY_FEEDBACK).
import type { CollectorProcess } from './collector-process.js';

export const STORY_T0 = Date.UTC(2026, 0, 5, 8, 0);
const MIN = 60_000;
const HOUR = 3_600_000;

export const STORY = {
  service: 'shop-chat',
  environment: 'production',
  /** v2 serves beside v1 (one request in six) during [canaryFrom, rolloutAt). */
  canaryFrom: STORY_T0 + 5 * HOUR,
  rolloutAt: STORY_T0 + 6 * HOUR,
  rollbackAt: STORY_T0 + 9 * HOUR,
  end: STORY_T0 + 12 * HOUR,
  /** Spans of this trace: root, two children and a grandchild, sent in reverse order. */
  waterfallTraceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa0001',
  waterfallOrder: ['POST /chat', 'retrieve_context', 'chat gpt-4o', 'parse_answer'],
  sessionId: 's-v1-0',
};

/**
 * Feedback on the story's first requests of each version (in order of start): thumbs_up on 100 of
 * each (v1: 90 up, v2: 70 up), relevance from a judge on 40 of each (v1 0.8 ± 0.1, v2 0.6 ± 0.1).
 */
export const STORY_FEEDBACK = {
  thumbsRated: 100,
  thumbsUp: { v1: 90, v2: 70 } as Record<string, number>,
  relevanceRated: 40,
  relevanceMean: { v1: 0.8, v2: 0.6 } as Record<string, number>,
};

export const HOSTILE = {
  service: 'hostile-svc',
  environment: 'production',
  version: 'v9',
  traceId: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbb0001',
  spanName: '<img src=x onerror=alert(1)>',
  attributeKey: 'note',
  attributeValue: '<script>alert(2)</script>',
  errorMessage: '<img src=y onerror=alert(3)>',
};

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const ns = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: unknown[];
  events?: unknown[];
  status?: { code: number; message?: string };
}

let nextId = 1;

/** v1 fails with one pattern; v2 mostly with another, new one (the errors view finds it). */
function errorMessage(version: string, i: number): string {
  return version === 'v2' && i % 20 !== 0 ? `context length exceeded at ${4000 + i} tokens` : `model overloaded after ${1000 + i} ms`;
}

/** One request: a Server root with a retrieval child and an LLM child carrying model and tokens. */
function request(version: string, i: number, startMs: number, failed: boolean, latencyMs: number, traceId?: string): Span[] {
  const id = nextId++;
  const trace = traceId ?? hex(id, 32);
  const root = hex(id * 8, 16);
  const session = `s-${version}-${Math.floor(i / 4)}`;
  const spans: Span[] = [
    {
      traceId: trace,
      spanId: root,
      name: 'POST /chat',
      kind: 2,
      startTimeUnixNano: ns(startMs),
      endTimeUnixNano: ns(startMs + latencyMs),
      attributes: [str('session.id', session), str('user.id', `user-${i % 7}`)],
      status: failed ? { code: 2, message: errorMessage(version, i) } : { code: 1 },
    },
    {
      traceId: trace,
      spanId: hex(id * 8 + 1, 16),
      parentSpanId: root,
      name: 'retrieve_context',
      kind: 1,
      startTimeUnixNano: ns(startMs + 1),
      endTimeUnixNano: ns(startMs + 1 + latencyMs / 5),
    },
    {
      traceId: trace,
      spanId: hex(id * 8 + 2, 16),
      parentSpanId: root,
      name: 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: ns(startMs + 2 + latencyMs / 5),
      endTimeUnixNano: ns(startMs + latencyMs - 1),
      attributes: [str('gen_ai.request.model', 'gpt-4o'), int('gen_ai.usage.input_tokens', version === 'v1' ? 400 : 600), int('gen_ai.usage.output_tokens', 150)],
    },
  ];
  return spans;
}

function resourceSpans(service: string, environment: string, version: string, spans: Span[]) {
  return {
    resource: { attributes: [str('service.name', service), str('service.version', version), str('deployment.environment.name', environment)] },
    scopeSpans: [{ scope: { name: 'page-traffic' }, spans }],
  };
}

/** The story's request traces per version, in order of start (filled by story()). */
const storyTraces: Record<string, string[]> = { v1: [], v2: [] };

function story(): unknown[] {
  const v1: Span[] = [];
  const v2: Span[] = [];
  let i1 = 0;
  let i2 = 0;
  // v1 one request a minute until the rollout, and again after the rollback; 1 in 50 fails.
  for (let t = STORY_T0; t < STORY.rolloutAt; t += MIN, i1++) v1.push(...request('v1', i1, t, i1 % 50 === 0, 100 + (i1 % 100)));
  for (let t = STORY.rollbackAt; t < STORY.end; t += MIN, i1++) v1.push(...request('v1', i1, t, i1 % 50 === 0, 100 + (i1 % 100)));
  // v2: a canary every five minutes, then alone for three hours; 1 in 10 fails, slower.
  for (let t = STORY.canaryFrom; t < STORY.rolloutAt; t += 5 * MIN, i2++) v2.push(...request('v2', i2, t + 30_000, i2 % 10 === 0, 150 + (i2 % 100)));
  for (let t = STORY.rolloutAt; t < STORY.rollbackAt; t += MIN, i2++) v2.push(...request('v2', i2, t, i2 % 10 === 0, 150 + (i2 % 100)));

  // The waterfall trace: a v1 request with a grandchild, its spans listed latest first.
  const start = STORY_T0 + 30 * 1000;
  const w = request('v1', 10_000, start, false, 200, STORY.waterfallTraceId);
  w.push({
    traceId: STORY.waterfallTraceId,
    spanId: hex(999_999, 16),
    parentSpanId: w[2].spanId,
    name: 'parse_answer',
    kind: 1,
    startTimeUnixNano: ns(start + 150),
    endTimeUnixNano: ns(start + 190),
  });
  v1.push(...w.reverse());
  for (const [version, spans] of [['v1', v1], ['v2', v2]] as const) {
    const roots = spans.filter((s) => !s.parentSpanId && s.traceId !== STORY.waterfallTraceId).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    storyTraces[version] = roots.map((s) => s.traceId);
  }
  return [resourceSpans(STORY.service, STORY.environment, 'v1', v1), resourceSpans(STORY.service, STORY.environment, 'v2', v2)];
}

function hostile(): unknown {
  const start = STORY_T0 + HOUR;
  const root = hex(777_777, 16);
  return resourceSpans(HOSTILE.service, HOSTILE.environment, HOSTILE.version, [
    {
      traceId: HOSTILE.traceId,
      spanId: root,
      name: HOSTILE.spanName,
      kind: 2,
      startTimeUnixNano: ns(start),
      endTimeUnixNano: ns(start + 50),
      attributes: [str(HOSTILE.attributeKey, HOSTILE.attributeValue)],
      events: [{ name: '<svg onload=alert(4)>', timeUnixNano: ns(start + 10), attributes: [str('exception.message', HOSTILE.errorMessage)] }],
      status: { code: 2, message: HOSTILE.errorMessage },
    },
  ]);
}

/** STORY_FEEDBACK as assessments: MLflow's shape for the thumbs, Langfuse's for the judge. */
function storyFeedback(): unknown[] {
  const f = STORY_FEEDBACK;
  return Object.entries(storyTraces).flatMap(([version, traces]) => [
    ...traces.slice(0, f.thumbsRated).map((t, i) => ({ trace_id: t, assessment_name: 'thumbs_up', feedback: { value: i < f.thumbsUp[version] }, source: { source_type: 'HUMAN', source_id: `user-${i}` } })),
    ...traces.slice(0, f.relevanceRated).map((t, i) => ({ traceId: t, name: 'relevance', value: f.relevanceMean[version] + (i % 2 ? 0.1 : -0.1), dataType: 'NUMERIC' })),
  ]);
}

/** Sends the story and the hostile service, then the story's feedback, and makes them queryable. */
export async function sendPageTraffic(c: CollectorProcess): Promise<void> {
  const body = JSON.stringify({ resourceSpans: [...story(), hostile()] });
  const res = await fetch(`${c.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  const rejected = res.status === 200 ? Number((JSON.parse(text) as { partialSuccess?: { rejectedSpans?: string } }).partialSuccess?.rejectedSpans ?? 0) : -1;
  if (rejected !== 0) throw new Error(`sending the page's traffic failed (${res.status}): ${text}`);
  const feedback = await fetch(`${c.apiUrl}/api/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(storyFeedback()) });
  if (feedback.status !== 200) throw new Error(`sending the page's feedback failed (${feedback.status}): ${await feedback.text()}`);
  await c.flush();
}
