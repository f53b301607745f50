// Self-observability in the Prometheus text format, through prom-client: every value is read on
// scrape (each metric's collect()) from counters the pipeline keeps anyway (ingest, queue, inserter),
// plus responses counted per receiver and status here.
import { ServerInterceptingCall, status as GrpcStatus, type ServerInterceptor } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import type { QueueStats } from './queue/durable-queue.js';
import type { IngestCounters } from './ingest.js';
import type { InserterStats } from './segment-inserter.js';
import { Counter, Gauge, Registry } from 'prom-client';

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export interface MetricsSources {
  ingest(): IngestCounters;
  queue(): QueueStats;
  /** The queue's byte budget (beyond it ingest answers 503). */
  queueMaxBytes: number;
  inserter(): InserterStats;
  schemaApplied(): boolean;
  /**
   * Every durable queue by what it carries (spans, logs, feedback), each with its inserter: the
   * unlabelled queue metrics above are the spans' queue alone, and a backlog of log records or
   * assessments would not show in them.
   */
  queues?(): Record<string, { queue: QueueStats; inserter: InserterStats }>;
}

/** Responses counted as they leave: HTTP by server and status, gRPC by status code name. */
export interface ResponseCounters {
  http: Map<string, number>;
  grpc: Map<string, number>;
}

export function createResponseCounters(): ResponseCounters {
  return { http: new Map(), grpc: new Map() };
}

const SEP = '\u0000';
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** Counts every response of a fastify server under `server` (`otlp_http`, `api`). */
export function countHttpResponses(app: FastifyInstance, server: string, counters: ResponseCounters): void {
  app.addHook('onResponse', async (_request, reply) => {
    bump(counters.http, `${server}${SEP}${reply.statusCode}`);
  });
}

const GRPC_CODE_NAMES = new Map<number, string>(Object.entries(GrpcStatus).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k]));

/** Counts the final status of every OTLP/gRPC call, refusals by other interceptors included. */
export function countGrpcStatuses(counters: ResponseCounters): ServerInterceptor {
  return (_method, call) =>
    new ServerInterceptingCall(call, {
      sendStatus(status, next) {
        bump(counters.grpc, GRPC_CODE_NAMES.get(status.code) ?? String(status.code));
        next(status);
      },
    });
}

/** One metric with a single value, read from the sources at each scrape. */
type Single = [name: string, type: 'counter' | 'gauge', help: string, read: (s: MetricsSources) => number];

const SINGLES: Single[] = [
  ['verdict_spans_accepted_total', 'counter', 'Spans acknowledged (durable in the queue) since start.', (s) => s.ingest().acceptedSpans],
  ['verdict_spans_rejected_total', 'counter', 'Spans rejected one by one (reported as partial success).', (s) => s.ingest().rejectedSpans],
  ['verdict_attribute_values_truncated_total', 'counter', 'Attribute values cut to the maximum length.', (s) => s.ingest().truncatedValues],
  ['verdict_attributes_dropped_total', 'counter', 'Attributes dropped beyond the maximum per span.', (s) => s.ingest().droppedAttributes],
  ['verdict_queue_segments', 'gauge', 'Durable queue segments on disk (sealed and open).', (s) => s.queue().segments],
  ['verdict_queue_rows', 'gauge', 'Spans on disk waiting to be inserted.', (s) => s.queue().rows],
  ['verdict_queue_bytes', 'gauge', 'Bytes of queue segments on disk.', (s) => s.queue().bytes],
  ['verdict_queue_max_bytes', 'gauge', 'Queue budget (queued and set-aside segments): beyond it ingest answers 503.', (s) => s.queueMaxBytes],
  ['verdict_queue_rejected_segments', 'gauge', 'Segments set aside in the queue\'s rejected/ folder (see verdict queue rejected list).', (s) => s.queue().rejectedSegments],
  ['verdict_queue_rejected_bytes', 'gauge', 'Bytes of set-aside segments on disk, counted against the queue budget.', (s) => s.queue().rejectedBytes],
  ['verdict_queue_appended_records_total', 'counter', 'Requests appended to the queue.', (s) => s.queue().appendedRecords],
  ['verdict_queue_group_commits_total', 'counter', 'fsyncs, each acknowledging a group of concurrent requests.', (s) => s.queue().groupCommits],
  ['verdict_queue_recovered_segments_total', 'counter', 'Segments found on disk at start (acknowledged, not yet inserted).', (s) => s.queue().recoveredSegments],
  ['verdict_queue_recovered_rows_total', 'counter', 'Spans replayed from disk at start.', (s) => s.queue().recoveredRows],
  ['verdict_queue_torn_records_total', 'counter', 'Torn (never acknowledged) records dropped at start.', (s) => s.queue().tornRecords],
  ['verdict_queue_corrupt_records_total', 'counter', 'Acknowledged records that failed their checksum at start (disk corruption), skipped and kept in rejected/.', (s) => s.queue().corruptRecords],
  ['verdict_insert_batches_total', 'counter', 'Batches (queue segments) inserted into ClickHouse.', (s) => s.inserter().insertedSegments],
  ['verdict_inserted_rows_total', 'counter', 'Spans inserted into ClickHouse.', (s) => s.inserter().insertedRows],
  ['verdict_insert_failures_total', 'counter', 'Insert attempts that failed (retried; spans stay queued).', (s) => s.inserter().failedInserts],
  ['verdict_rejected_batches_total', 'counter', "Batches the store refused for their content, set aside in the queue's rejected/ folder (not retried).", (s) => s.inserter().rejectedSegments],
  ['verdict_rejected_rows_total', 'counter', 'Spans in batches set aside as rejected.', (s) => s.inserter().rejectedRows],
  ['verdict_last_insert_duration_seconds', 'gauge', 'Duration of the last successful insert.', (s) => s.inserter().lastInsertMs / 1000],
  ['verdict_store_failing', 'gauge', '1 while the last insert attempt failed.', (s) => (s.inserter().storeFailing ? 1 : 0)],
  ['verdict_schema_applied', 'gauge', '1 once the schema is in place in the store.', (s) => (s.schemaApplied() ? 1 : 0)],
];

/**
 * The /metrics exposition: a prom-client registry whose metrics read the sources when scraped, so
 * the pipeline keeps its own counters and pays nothing between scrapes. Returns the renderer.
 */
export function metricsRenderer(sources: MetricsSources, responses: ResponseCounters): () => Promise<string> {
  const registry = new Registry();
  for (const [name, type, help, read] of SINGLES) {
    if (type === 'gauge') {
      new Gauge({ name, help, registers: [registry], collect() { this.set(read(sources)); } });
    } else {
      // The pipeline's counter is the truth; the metric mirrors it (reset, then the current total).
      new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read(sources)); } });
    }
  }
  const perQueue: Array<[name: string, help: string, read: (q: { queue: QueueStats; inserter: InserterStats }) => number]> = [
    ['verdict_queue_depth_rows', 'Rows (spans, log records, assessments) on disk waiting to be inserted, per queue.', (q) => q.queue.rows],
    ['verdict_queue_depth_bytes', 'Bytes a queue holds against its budget (waiting and set-aside segments); at the budget its ingest answers 503.', (q) => q.queue.bytes + q.queue.rejectedBytes],
    ['verdict_queue_insert_failing', "1 while the queue's last insert attempt failed (its rows stay queued and are retried).", (q) => (q.inserter.storeFailing ? 1 : 0)],
  ];
  for (const [name, help, read] of perQueue) {
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers: [registry],
      collect() {
        for (const [queue, q] of Object.entries(sources.queues?.() ?? {})) this.set({ queue }, read(q));
      },
    });
  }
  new Counter({
    name: 'verdict_http_responses_total',
    help: 'HTTP responses by server (otlp_http, api) and status code.',
    labelNames: ['server', 'code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, n] of responses.http) {
        const [server, code] = key.split(SEP);
        this.inc({ server, code }, n);
      }
    },
  });
  new Counter({
    name: 'verdict_grpc_responses_total',
    help: 'OTLP/gRPC calls by final status code.',
    labelNames: ['code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, n] of responses.grpc) this.inc({ code }, n);
    },
  });
  return () => registry.metrics();
}
