// A tiny fake chat service instrumented with Verdict: users hold multi-turn sessions with an assistant served in
// two versions, bucketed by user, that differ in latency, error rate and token use. Nothing leaves the process
// but the telemetry. `npm run example` sends a few thousand traces to a running collector (`verdict serve`).
//
//   node dist/examples/chat-app.js [--traces 3000] [--concurrency 50] [--seed 42] [--json]

import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
// An app outside this repository imports these from 'verdict/instrumentation'.
import {
  detectResourceAttributes,
  resolveExportConfig,
  setTraceAttributes,
  startVerdict,
  withSession,
  withVersion,
} from '../instrumentation/index.js';
import { mulberry32 } from '../alerts/random.js';

interface VariantProfile {
  model: string;
  /** Median and spread of the simulated model latency, in ms (scaled down so a run takes seconds). */
  medianMs: number;
  spread: number;
  errorRate: number;
  inputTokens: number;
  outputTokens: number;
}

interface Options {
  traces: number;
  concurrency: number;
  seed: number;
  json: boolean;
}

interface Summary {
  traces: number;
  sessions: number;
  users: number;
  byVersion: Record<string, { traces: number; errors: number }>;
  endpoint: string;
  spans: { ended: number; exported: number; failed: number };
  delivered: boolean;
  /** What to run next: the verdict commands that answer for this run's service and environment. */
  next: string[];
}

/** v2 is the candidate: a longer prompt on a bigger model — slower, costlier, and it fails more often. */
const VARIANTS: Record<string, VariantProfile> = {
  v1: { model: 'chat-small', medianMs: 6, spread: 0.35, errorRate: 0.02, inputTokens: 420, outputTokens: 160 },
  v2: { model: 'chat-large', medianMs: 10, spread: 0.45, errorRate: 0.07, inputTokens: 610, outputTokens: 190 },
};
const USERS = 400;

class ModelError extends Error {
  readonly code = 'MODEL_UNAVAILABLE';
}

const SERVICE_NAME = 'chat-app';
const verdict = startVerdict({
  serviceName: SERVICE_NAME,
  // This example bursts ~10,000 spans/s, far above a real service's steady rate. The specification's queue
  // (2,048 spans, one export in flight) would drop most of the burst; a deep queue and larger batches keep it.
  batch: { maxQueueSize: 65_536, maxExportBatchSize: 4_096 },
});
const tracer = trace.getTracer('chat-app', '1.0.0');

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const random = mulberry32(options.seed);
  const summary: Summary = {
    traces: 0,
    sessions: 0,
    users: 0,
    byVersion: Object.fromEntries(Object.keys(VARIANTS).map((v) => [v, { traces: 0, errors: 0 }])),
    endpoint: describeEndpoint(),
    spans: { ended: 0, exported: 0, failed: 0 },
    delivered: false,
    next: nextCommands(),
  };

  // Plan the sessions up front so the run is reproducible for a seed: who talks, which version, how many turns.
  const sessions: Array<{ sessionId: string; userId: string; version: string; turns: number; seed: number }> = [];
  const users = new Set<string>();
  for (let planned = 0; planned < options.traces; ) {
    const user = Math.floor(random() * USERS);
    const turns = Math.min(1 + Math.floor(random() * 8), options.traces - planned);
    const userId = `user-${String(user).padStart(3, '0')}`;
    // Sticky bucketing: a user always sees the same version, as in a real A/B rollout.
    const version = user % 2 === 0 ? 'v1' : 'v2';
    // Each session draws from its own generator: concurrency changes the order of turns, not their outcomes.
    const seed = Math.floor(random() * 2 ** 32);
    sessions.push({ sessionId: `sess-${hex(random, 12)}`, userId, version, turns, seed });
    users.add(userId);
    planned += turns;
  }
  summary.sessions = sessions.length;
  summary.users = users.size;

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sessions.length) {
      const session = sessions[next++]!;
      const sessionRandom = mulberry32(session.seed);
      await withSession({ sessionId: session.sessionId, userId: session.userId }, () =>
        withVersion(session.version, async () => {
          for (let turn = 1; turn <= session.turns; turn++) {
            const ok = await handleChatTurn(VARIANTS[session.version]!, turn, sessionRandom);
            summary.traces++;
            summary.byVersion[session.version]!.traces++;
            if (!ok) summary.byVersion[session.version]!.errors++;
          }
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));

  await verdict.forceFlush().catch(() => undefined);
  const { ended, exported, failed } = verdict.stats();
  summary.spans = { ended, exported, failed };
  summary.delivered = ended > 0 && exported === ended;
  await verdict.shutdown();
  report(summary, options);
  if (!summary.delivered) process.exitCode = 1;
}

/** One request: retrieval, then the model call. Returns false when the request failed. */
function handleChatTurn(variant: VariantProfile, turn: number, random: () => number): Promise<boolean> {
  return tracer.startActiveSpan(
    'POST /chat',
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.route': '/chat' } },
    async (request: Span) => {
      try {
        await tracer.startActiveSpan('retrieve_context', async (span) => {
          await delay(lognormal(random, 1.5, 0.3));
          span.setAttribute('retrieval.documents', 3 + Math.floor(random() * 5));
          // Trace-level tags, written on the request span from below it.
          setTraceAttributes({ 'chat.turn': turn, 'chat.intent': random() < 0.3 ? 'billing' : 'support' });
          span.end();
        });
        await tracer.startActiveSpan(
          `chat ${variant.model}`,
          {
            kind: SpanKind.CLIENT,
            attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'fake', 'gen_ai.request.model': variant.model },
          },
          async (span) => {
            try {
              await delay(lognormal(random, variant.medianMs, variant.spread));
              if (random() < variant.errorRate) throw new ModelError(`${variant.model} is overloaded`);
              span.setAttributes({
                'gen_ai.usage.input_tokens': Math.round(variant.inputTokens * (0.8 + random() * 0.4)),
                'gen_ai.usage.output_tokens': Math.round(variant.outputTokens * (0.6 + random() * 0.8)),
              });
            } catch (error) {
              span.recordException(error as Error);
              span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
              throw error;
            } finally {
              span.end();
            }
          },
        );
        request.setAttribute('http.response.status_code', 200);
        return true;
      } catch (error) {
        request.setAttribute('http.response.status_code', 503);
        request.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        return false;
      } finally {
        request.end();
      }
    },
  );
}

function report(summary: Summary, options: Options): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const lines = [`chat-app: ${summary.traces} traces, ${summary.sessions} sessions, ${summary.users} users`];
  for (const [version, counts] of Object.entries(summary.byVersion)) {
    lines.push(`  ${version}: ${counts.traces} requests, ${counts.errors} errors`);
  }
  if (summary.delivered) {
    lines.push(`${summary.spans.exported} spans sent to ${summary.endpoint}. Now ask Verdict:`);
    for (const command of summary.next) lines.push(`  ${command}`);
  } else {
    const { ended, exported } = summary.spans;
    lines.push(`${exported} of ${ended} spans delivered to ${summary.endpoint}: is the collector running (npx verdict serve)?`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The versions this run sent, then v2 against v1, scoped to the service and environment the spans carry. */
function nextCommands(): string[] {
  const resource = detectResourceAttributes({ serviceName: SERVICE_NAME });
  const word = (v: unknown) => (/^[\w.\/:@-]+$/.test(String(v)) ? String(v) : `'${String(v).replace(/'/g, `'\\''`)}'`);
  const env = resource['deployment.environment.name'];
  const scope = `--service ${word(resource['service.name'])}${env ? ` --env ${word(env)}` : ''}`;
  return [`npx verdict versions ${scope}`, `npx verdict compare ${scope} --baseline v1 --candidate v2`];
}

function parseArgs(args: string[]): Options {
  const options: Options = { traces: 3000, concurrency: 50, seed: 42, json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--traces' || arg === '--concurrency' || arg === '--seed') {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < (arg === '--seed' ? 0 : 1)) throw new Error(`${arg} needs a positive integer`);
      options[arg.slice(2) as 'traces' | 'concurrency' | 'seed'] = value;
    } else {
      throw new Error(`unknown argument ${arg}`);
    }
  }
  return options;
}

function describeEndpoint(): string {
  const config = resolveExportConfig();
  if (config.kind !== 'otlp') return config.kind;
  return config.url ?? process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${process.env.OTEL_EXPORTER_OTLP_ENDPOINT} (+ /v1/traces)`;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Latency is right-skewed: a log-normal around the median. */
function lognormal(random: () => number, median: number, sigma: number): number {
  const u = Math.max(random(), Number.EPSILON);
  const gaussian = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(sigma * gaussian);
}

function hex(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 16).toString(16);
  return out;
}

main().catch((error: unknown) => {
  process.stderr.write(`chat-app: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
