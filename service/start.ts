// Starts and stops the whole collector: store and schema, durable queue and its inserter, OTLP
// receivers, query API.
// startCollector is what `verdict serve` runs and what tests start in-process.
import type { FastifyInstance } from 'fastify';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { applySchema, applySchemaWithRetry } from '../schema/apply-schema.js';
import { decideFromHeaders, ingestKeyInterceptor, requireReadKey } from '../collector/access-control.js';
import { assertSafeBind, isLoopbackHost, loadApiKeys, REDACTED_LOG_PATHS, type ApiKeys } from '../auth/api-keys.js';
import { createApiServer } from '../api/app.js';
import type { VerdictConfig } from '../store/config.js';
import { claimDataDir } from '../store/data-dir-claim.js';
import { createIngestor, type Ingestor } from '../collector/ingest.js';
import { createOtlpGrpcReceiver, type OtlpGrpcReceiver } from '../collector/grpc-receiver.js';
import { createOtlpHttpReceiver } from '../collector/http-receiver.js';
import { openDurableQueue } from '../collector/queue/durable-queue.js';
import { countGrpcStatuses, countHttpResponses, createResponseCounters, METRICS_CONTENT_TYPE, renderMetrics } from '../collector/metrics.js';
import { registerReadiness } from '../api/readiness.js';
import { WEB_PAGE_PATHS } from '../api/web.js';
import { startSegmentInserter, type SpanSink } from '../collector/segment-inserter.js';
import { openStore, type Store } from '../store/store.js';

export interface RunningCollector {
  config: VerdictConfig;
  store: Store;
  sink: SpanSink;
  ingestor: Ingestor;
  otlpHttpUrl: string;
  /** `host:port` the OTLP/gRPC receiver is bound to, as gRPC clients write it. */
  otlpGrpcAddress: string;
  /** The same as an OTLP gRPC exporter's endpoint URL (`http://host:port`). */
  otlpGrpcUrl: string;
  apiUrl: string;
  /** The configured API keys (digests only); `enabled` is false when the collector is open. */
  keys: ApiKeys;
  /** False while a ClickHouse server placement has not been reachable yet to apply the schema. */
  schemaApplied(): boolean;
  /** Stops accepting, finishes in-flight requests, inserts what is queued (bounded), closes the engine. */
  close(): Promise<void>;
}

export async function startCollector(config: VerdictConfig): Promise<RunningCollector> {
  // Who may do what is settled before anything opens or listens: without keys, loopback only.
  const keys = loadApiKeys(config);
  assertSafeBind(config.host, keys, config.insecure);
  // The data directory (queue, and the embedded engine's files) belongs to one collector at a time.
  const dataDir = resolve(config.dataDir);
  const claim = claimDataDir(dataDir);
  const log = pino({ level: config.logLevel, redact: REDACTED_LOG_PATHS });
  let store: Store;
  try {
    store = openStore(config);
  } catch (err) {
    claim.release();
    throw err;
  }
  const servers: FastifyInstance[] = [];
  let grpc: OtlpGrpcReceiver | undefined;
  let startedSink: SpanSink | undefined;
  const stopSchemaRetry = new AbortController();
  try {
    // The embedded engine is local: failing to apply the schema is fatal. A server may simply be
    // down right now: receivers start anyway and queue spans until the schema is in place.
    let schemaApplied = false;
    const schemaOptions = { ttlDays: config.ttlDays };
    const schemaReady =
      store.placement === 'embedded'
        ? applySchema(store.client, schemaOptions)
        : applySchemaWithRetry(store.client, schemaOptions, {
            signal: stopSchemaRetry.signal,
            onRetry: (err, attempt) => {
              if (attempt === 1 || attempt % 10 === 0) log.warn({ err: (err as Error).message, attempt }, 'cannot apply the schema on the ClickHouse server yet; spans are queued meanwhile');
            },
          });
    if (store.placement === 'embedded') await schemaReady;
    void schemaReady.then(() => (schemaApplied = true), () => {});
    const queue = openDurableQueue({
      dir: join(dataDir, 'queue'),
      segmentMaxRows: config.batchMaxRows,
      segmentMaxBytes: 256 * 1024 * 1024,
      segmentMaxAgeMs: config.batchMaxDelayMs,
      maxBytes: config.queueMaxBytes,
    });
    const { corruptRecords, deferredSegments } = queue.stats();
    if (corruptRecords > 0) {
      log.error({ corruptRecords, deferredSegments }, 'queued records failed their checksum (changed on disk since they were written); they are skipped, the records around them are stored, and the damaged segments are kept in the queue\'s rejected/ folder (deferredSegments: ones whose good records could not be copied out for lack of disk space, retried at the next start)');
    }
    const sink = startSegmentInserter({
      queue,
      insertSegment: async (path, token) => {
        await schemaReady;
        await store.insertSegment(path, token);
      },
      onError: (err, attempt) => {
        if (attempt === 1 || attempt % 10 === 0) log.warn({ err: (err as Error).message, attempt }, 'insert failed; spans stay queued and will be retried');
      },
      onRejected: (err, segment) => {
        log.error({ err: (err as Error).message, rows: segment.rows, segment: segment.dataPath }, 'the store refused a batch for its content; it is set aside in the queue\'s rejected/ folder and not retried');
      },
    });
    startedSink = sink;
    const ingestor = createIngestor(sink, {
      maxAttributesPerSpan: config.maxAttributesPerSpan,
      maxAttributeValueLength: config.maxAttributeValueLength,
    });
    const otlp = createOtlpHttpReceiver({
      ingestor,
      maxBodyBytes: config.maxBodyBytes,
      decode: { maxValueDepth: config.maxValueDepth },
      maxConcurrentRequests: config.maxConcurrentRequests,
      requestTimeoutMs: config.requestTimeoutMs,
      logLevel: config.logLevel,
      authorize: (headers) => decideFromHeaders(keys, headers, 'ingest'),
    });
    const responses = createResponseCounters();
    countHttpResponses(otlp, 'otlp_http', responses);
    servers.push(otlp);
    const otlpHttpUrl = await otlp.listen({ host: config.host, port: config.otlpHttpPort });
    // Same ingest path and size limit as OTLP/HTTP; logs through the HTTP receiver's logger.
    grpc = createOtlpGrpcReceiver({
      ingestor,
      maxMessageBytes: config.maxBodyBytes,
      maxConcurrentRequests: config.maxConcurrentRequests,
      decode: { maxValueDepth: config.maxValueDepth },
      log: otlp.log,
      // Counting first, so refusals by the key check are counted too.
      interceptors: keys.enabled ? [countGrpcStatuses(responses), ingestKeyInterceptor(keys)] : [countGrpcStatuses(responses)],
    });
    const otlpGrpcAddress = await grpc.listen(config.host, config.otlpGrpcPort);
    const api = createApiServer({ client: store.client, readOnlyClient: store.readOnlyClient, flush: () => sink.flush(), logLevel: config.logLevel });
    servers.push(api);
    // /healthz is always open; metrics and readiness too while only this machine can reach the API
    // (scrapers and probes often cannot send headers); the web page's files are open so that it can
    // load and ask for a key; everything else needs a read key.
    requireReadKey(api, keys, { openPaths: new Set(['/healthz', ...WEB_PAGE_PATHS]), loopbackOpenPaths: new Set(['/metrics', '/readyz']), loopback: isLoopbackHost(config.host) });
    countHttpResponses(api, 'api', responses);
    const metricsSources = {
      ingest: () => ingestor.counters,
      queue: () => queue.stats(),
      queueMaxBytes: config.queueMaxBytes,
      inserter: () => sink.stats(),
      schemaApplied: () => schemaApplied,
    };
    api.get('/metrics', async (_request, reply) => reply.header('content-type', METRICS_CONTENT_TYPE).send(renderMetrics(metricsSources, responses)));
    registerReadiness(api, {
      schemaApplied: () => schemaApplied,
      ping: async (signal) => {
        const result = await store.readOnlyClient.query({ query: 'SELECT 1', format: 'JSONEachRow', abort_signal: signal });
        await result.json();
      },
      queueBytes: () => queue.stats().bytes,
      queueMaxBytes: config.queueMaxBytes,
    });
    const apiUrl = await api.listen({ host: config.host, port: config.apiPort });
    claim.publish({ apiUrl, otlpHttpUrl });

    let closing: Promise<void> | undefined;
    return {
      config,
      store,
      sink,
      ingestor,
      otlpHttpUrl,
      otlpGrpcAddress,
      otlpGrpcUrl: `http://${otlpGrpcAddress}`,
      apiUrl,
      keys,
      schemaApplied: () => schemaApplied,
      close() {
        closing ??= (async () => {
          stopSchemaRetry.abort(new Error('collector stopped before the ClickHouse server could be reached'));
          await Promise.all([...servers.map((s) => s.close()), grpc?.close()]);
          await sink.close(config.shutdownTimeoutMs);
          await store.close();
          claim.release();
        })();
        return closing;
      },
    };
  } catch (err) {
    // Whatever was started stops, or it keeps the process alive (the schema retry, the inserter).
    stopSchemaRetry.abort(new Error('the collector failed to start'));
    await Promise.allSettled([...servers.map((s) => s.close()), grpc?.close()]);
    await startedSink?.close(0).catch(() => {});
    await store.close().catch(() => {});
    claim.release();
    throw err;
  }
}
