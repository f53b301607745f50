// Self-observability in the Prometheus text format (version 0.0.4), written by hand: every value
// is read on scrape from counters the pipeline keeps anyway (ingest, queue, inserter), plus
// responses counted per receiver and status here. No metrics library: a few lines of text.
import { ServerInterceptingCall, status as GrpcStatus, type ServerInterceptor } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import type { QueueStats } from './queue/durable-queue.js';
import type { IngestCounters } from './ingest.js';
import type { InserterStats } from './segment-inserter.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsSources {
  ingest(): IngestCounters;
  queue(): QueueStats;
  /** The queue's byte budget (beyond it ingest answers 503). */
  queueMaxBytes: number;
  inserter(): InserterStats;
  schemaApplied(): boolean;
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

type Sample = [labels: Record<string, string>, value: number];
interface Family {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: Sample[];
}

const one = (value: number): Sample[] => [[{}, value]];

/** The whole exposition, read from the sources now. */
export function renderMetrics(sources: MetricsSources, responses: ResponseCounters): string {
  const ingest = sources.ingest();
  const queue = sources.queue();
  const inserter = sources.inserter();
  const families: Family[] = [
    { name: 'verdict_spans_accepted_total', type: 'counter', help: 'Spans acknowledged (durable in the queue) since start.', samples: one(ingest.acceptedSpans) },
    { name: 'verdict_spans_rejected_total', type: 'counter', help: 'Spans rejected one by one (reported as partial success).', samples: one(ingest.rejectedSpans) },
    { name: 'verdict_attribute_values_truncated_total', type: 'counter', help: 'Attribute values cut to the maximum length.', samples: one(ingest.truncatedValues) },
    { name: 'verdict_attributes_dropped_total', type: 'counter', help: 'Attributes dropped beyond the maximum per span.', samples: one(ingest.droppedAttributes) },
    { name: 'verdict_queue_segments', type: 'gauge', help: 'Durable queue segments on disk (sealed and open).', samples: one(queue.segments) },
    { name: 'verdict_queue_rows', type: 'gauge', help: 'Spans on disk waiting to be inserted.', samples: one(queue.rows) },
    { name: 'verdict_queue_bytes', type: 'gauge', help: 'Bytes of queue segments on disk.', samples: one(queue.bytes) },
    { name: 'verdict_queue_max_bytes', type: 'gauge', help: 'Queue budget (queued and set-aside segments): beyond it ingest answers 503.', samples: one(sources.queueMaxBytes) },
    { name: 'verdict_queue_rejected_segments', type: 'gauge', help: 'Segments set aside in the queue\'s rejected/ folder (see verdict queue rejected list).', samples: one(queue.rejectedSegments) },
    { name: 'verdict_queue_rejected_bytes', type: 'gauge', help: 'Bytes of set-aside segments on disk, counted against the queue budget.', samples: one(queue.rejectedBytes) },
    { name: 'verdict_queue_appended_records_total', type: 'counter', help: 'Requests appended to the queue.', samples: one(queue.appendedRecords) },
    { name: 'verdict_queue_group_commits_total', type: 'counter', help: 'fsyncs, each acknowledging a group of concurrent requests.', samples: one(queue.groupCommits) },
    { name: 'verdict_queue_recovered_segments_total', type: 'counter', help: 'Segments found on disk at start (acknowledged, not yet inserted).', samples: one(queue.recoveredSegments) },
    { name: 'verdict_queue_recovered_rows_total', type: 'counter', help: 'Spans replayed from disk at start.', samples: one(queue.recoveredRows) },
    { name: 'verdict_queue_torn_records_total', type: 'counter', help: 'Torn (never acknowledged) records dropped at start.', samples: one(queue.tornRecords) },
    { name: 'verdict_queue_corrupt_records_total', type: 'counter', help: 'Acknowledged records that failed their checksum at start (disk corruption), skipped and kept in rejected/.', samples: one(queue.corruptRecords) },
    { name: 'verdict_insert_batches_total', type: 'counter', help: 'Batches (queue segments) inserted into ClickHouse.', samples: one(inserter.insertedSegments) },
    { name: 'verdict_inserted_rows_total', type: 'counter', help: 'Spans inserted into ClickHouse.', samples: one(inserter.insertedRows) },
    { name: 'verdict_insert_failures_total', type: 'counter', help: 'Insert attempts that failed (retried; spans stay queued).', samples: one(inserter.failedInserts) },
    { name: 'verdict_rejected_batches_total', type: 'counter', help: 'Batches the store refused for their content, set aside in the queue\'s rejected/ folder (not retried).', samples: one(inserter.rejectedSegments) },
    { name: 'verdict_rejected_rows_total', type: 'counter', help: 'Spans in batches set aside as rejected.', samples: one(inserter.rejectedRows) },
    { name: 'verdict_last_insert_duration_seconds', type: 'gauge', help: 'Duration of the last successful insert.', samples: one(inserter.lastInsertMs / 1000) },
    { name: 'verdict_store_failing', type: 'gauge', help: '1 while the last insert attempt failed.', samples: one(inserter.storeFailing ? 1 : 0) },
    { name: 'verdict_schema_applied', type: 'gauge', help: '1 once the schema is in place in the store.', samples: one(sources.schemaApplied() ? 1 : 0) },
    {
      name: 'verdict_http_responses_total',
      type: 'counter',
      help: 'HTTP responses by server (otlp_http, api) and status code.',
      samples: [...responses.http].sort().map(([key, n]) => {
        const [server, code] = key.split(SEP);
        return [{ server, code }, n];
      }),
    },
    {
      name: 'verdict_grpc_responses_total',
      type: 'counter',
      help: 'OTLP/gRPC calls by final status code.',
      samples: [...responses.grpc].sort().map(([code, n]) => [{ code }, n]),
    },
  ];
  return families.map(renderFamily).join('');
}

function renderFamily(f: Family): string {
  let out = `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
  for (const [labels, value] of f.samples) out += `${f.name}${renderLabels(labels)} ${formatValue(value)}\n`;
  return out;
}

function renderLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}
