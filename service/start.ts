// Starts and stops the whole service in order: the data-directory claim, the store and its
// schema, the durable queue and its inserter, the OTLP receivers, and the query API. This is the
// one place that knows every room; `verdict serve` and the in-process test collectors call it.
import type { FastifyInstance } from 'fastify';
import { statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { regressionGauge } from '../alerts/gauge.js';
import { openOutbox } from '../alerts/outbox.js';
import { alertRules, loadAlertRules } from '../alerts/rules.js';
import { createWatcher } from '../alerts/watcher.js';
import { createApi } from '../api/app.js';
import { createClickHouseHttp } from '../api/clickhouse-http.js';
import { decideRequest, headerOf, isLoopbackHost, REDACTED_LOG_PATHS, type ApiKeys } from '../auth/api-keys.js';
import { reloadingApiKeys } from '../auth/key-reload.js';
import { loadTls } from '../auth/tls.js';
import { createOtlpGrpcReceiver, type OtlpGrpcReceiver } from '../collector/grpc-receiver.js';
import { createOtlpHttpReceiver } from '../collector/http-receiver.js';
import { createExportSlots } from '../collector/export-slots.js';
import { createIngestor, type Ingestor } from '../collector/ingest.js';
import { createLogsIngestor } from '../collector/logs-ingest.js';
import { encodeAssessmentRecord, insertAssessmentSegment } from '../quality/assessment-segments.js';
import { loadScorer } from '../quality/scorer.js';
import { startOnlineScoring, type IngestState, type OnlineScoring } from '../quality/scoring.js';
import { countGrpcStatuses, countHttpResponses, createResponseCounters, METRICS_CONTENT_TYPE, metricsRenderer } from '../collector/metrics.js';
import { openDurableQueue, type DurableQueue } from '../collector/queue/durable-queue.js';
import { QUEUE_DIR } from '../collector/queue/segment-format.js';

/** The logs queue's folder inside a data directory, beside the spans' queue. */
const LOGS_QUEUE_DIR = 'queue-logs';
/** The feedback queue's folder (POST /api/feedback), beside the others. */
const FEEDBACK_QUEUE_DIR = 'queue-feedback';
import { startSegmentInserter, type SegmentInserter } from '../collector/segment-inserter.js';
import { applySchema, applySchemaWithRetry, holderFileIn } from '../schema/apply-schema.js';
import { createLeaseLock } from '../schema/lease-lock.js';
import type { VerdictConfig } from '../store/config.js';
import { claimDataDir } from '../store/data-dir-claim.js';
import { openStore, type Store } from '../store/store.js';
import { retryAfterWhileClosing } from './retry-after-while-closing.js';

export interface RunningCollector {
  config: VerdictConfig;
  store: Store;
  inserter: SegmentInserter;
  ingestor: Ingestor;
  /**
   * Makes every span acknowledged so far queryable, settled into its trace: the queue's and those
   * other writers (the upstream exporter) put straight into the store.
   */
  flush(): Promise<void>;
  otlpHttpUrl: string;
  /** `host:port` the OTLP/gRPC receiver is bound to, as gRPC clients write it. */
  otlpGrpcAddress: string;
  /** The same as an OTLP gRPC exporter's endpoint URL (`http://host:port`, `https://` with TLS). */
  otlpGrpcUrl: string;
  apiUrl: string;
  /** ClickHouse's HTTP interface (read-only) on the embedded store; absent on a ClickHouse server placement. */
  clickhouseHttpUrl?: string;
  /** The configured API keys (digests only); `enabled` is false when the collector is open. */
  keys: ApiKeys;
  /** Online scoring, when `--scorer` is set (runOnce scores what is pending now). */
  scoring?: OnlineScoring;
  /** False while a ClickHouse server placement has not been reachable yet to apply the schema. */
  schemaApplied(): boolean;
  /** Reads the API keys again (environment and keys file) and logs the outcome; requests in flight are not touched. */
  reloadKeys(why: string): void;
  /** Stops accepting, finishes in-flight requests, inserts what is queued (bounded), closes the engine. */
  close(): Promise<void>;
}

/** Seconds a sender is told to wait when this collector, shutting down, answers 503. */
const RETRY_AFTER_SECONDS = 2;

/** Applies the schema: at once on the embedded engine (failing is fatal), in the background for a server that may be down. */
function startSchema(store: Store, config: VerdictConfig, log: Logger, signal: AbortSignal): Promise<unknown> {
  if (store.placement === 'embedded') return applySchema(store.client, { ttlDays: config.ttlDays });
  // Other collectors may be starting on the same server: migrations are applied under its locks.
  const options = { ttlDays: config.ttlDays, lockLeaseMs: config.lockLeaseMs, cluster: config.cluster, transform: store.transformDdl, holderFile: holderFileIn(config.dataDir) };
  return applySchemaWithRetry(store.client, options, {
    signal,
    onRetry: (err, attempt) => {
      if (attempt === 1 || attempt % 10 === 0) log.warn({ err: (err as Error).message, attempt }, 'cannot apply the schema on the ClickHouse server yet; spans are queued meanwhile');
    },
  });
}

function openQueue(config: VerdictConfig, dataDir: string, log: Logger, folder = QUEUE_DIR): DurableQueue {
  const queue = openDurableQueue({
    dir: join(dataDir, folder),
    segmentMaxRows: config.batchMaxRows,
    segmentMaxBytes: 256 * 1024 * 1024,
    segmentMaxAgeMs: config.batchMaxDelayMs,
    maxBytes: config.queueMaxBytes,
  });
  const { corruptRecords, deferredSegments } = queue.stats();
  if (corruptRecords > 0) {
    log.error({ corruptRecords, deferredSegments }, 'queued records failed their checksum (changed on disk since they were written); they are skipped, the records around them are stored, and the damaged segments are kept in the queue\'s rejected/ folder (deferredSegments: ones whose good records could not be copied out for lack of disk space, retried at the next start)');
  }
  return queue;
}

/** How long in-flight API and ClickHouse-endpoint requests get to finish on shutdown. */
const QUERY_SERVER_CLOSE_GRACE_MS = 1_000;

export async function startCollector(config: VerdictConfig): Promise<RunningCollector> {
  // Who may do what is settled before anything opens or listens: without keys, loopback only.
  const keys = reloadingApiKeys(config, config);
  const tls = loadTls(config);
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
  /** Query servers (API, ClickHouse endpoint): their connections are cut if close() lingers. */
  const queryServers: FastifyInstance[] = [];
  let grpc: OtlpGrpcReceiver | undefined;
  let startedInserter: SegmentInserter | undefined;
  const stopSchemaRetry = new AbortController();
  const stopTimers: Array<() => void> = [];
  const stopInserters: Array<(ms: number) => Promise<void>> = [];
  try {
    // A server may simply be down right now: receivers start anyway and queue spans until the
    // schema is in place.
    let schemaApplied = false;
    const schemaReady = startSchema(store, config, log, stopSchemaRetry.signal);
    if (store.placement === 'embedded') await schemaReady;
    void schemaReady.then(() => (schemaApplied = true), () => {});

    const queue = openQueue(config, dataDir, log);
    const inserter = startSegmentInserter({
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
    startedInserter = inserter;
    // Log records (OTLP logs: evaluation events among them) have a queue and inserter of their
    // own, with the same acknowledgement and retry rules; their rows go to otel_logs.
    const logsQueue = openQueue(config, dataDir, log, LOGS_QUEUE_DIR);
    const logsInserter = startSegmentInserter({
      queue: logsQueue,
      insertSegment: async (path, token) => {
        await schemaReady;
        await store.insertLogSegment(path, token);
      },
      onError: (err, attempt) => {
        if (attempt === 1 || attempt % 10 === 0) log.warn({ err: (err as Error).message, attempt }, 'log insert failed; log records stay queued and will be retried');
      },
      onRejected: (err, segment) => {
        log.error({ err: (err as Error).message, rows: segment.rows, segment: segment.dataPath }, 'the store refused a batch of log records for its content; it is set aside in the logs queue\'s rejected/ folder and not retried');
      },
    });
    stopInserters.push((ms) => logsInserter.close(ms));
    // Assessments sent to POST /api/feedback: acknowledged once on disk, inserted with the
    // segment's token (exactly once across a crash and replay), like spans and log records.
    const feedbackQueue = openQueue(config, dataDir, log, FEEDBACK_QUEUE_DIR);
    const feedbackInserter = startSegmentInserter({
      queue: feedbackQueue,
      insertSegment: async (path, token) => {
        await schemaReady;
        await insertAssessmentSegment(store.client, path, token);
      },
      onError: (err, attempt) => {
        if (attempt === 1 || attempt % 10 === 0) log.warn({ err: (err as Error).message, attempt }, 'feedback insert failed; assessments stay queued and will be retried');
      },
      onRejected: (err, segment) => {
        log.error({ err: (err as Error).message, rows: segment.rows, segment: segment.dataPath }, 'the store refused a batch of assessments for its content; it is set aside in the feedback queue\'s rejected/ folder and not retried');
      },
    });
    stopInserters.push((ms) => feedbackInserter.close(ms));
    const flush = async () => {
      await Promise.all([inserter.flush(), logsInserter.flush(), feedbackInserter.flush()]);
      await schemaReady;
      await store.settle();
    };
    // Spans that other writers (the upstream exporter) insert straight into otel_traces are settled
    // on this beat; the queue's own are settled right after each insert.
    const settleTimer = setInterval(() => {
      // Another collector settling now covers the same traces: this beat is skipped then.
      if (schemaApplied) store.settle({ skipIfBusy: true }).catch((err) => log.warn({ err: (err as Error).message }, 'settling traces failed; retried on the next beat'));
    }, config.settleIntervalMs);
    settleTimer.unref();
    stopTimers.push(() => clearInterval(settleTimer));
    const ingestOptions = {
      maxAttributesPerSpan: config.maxAttributesPerSpan,
      maxAttributeValueLength: config.maxAttributeValueLength,
      decode: { maxValueDepth: config.maxValueDepth },
    };
    const ingestor = createIngestor(queue, ingestOptions);
    const logsIngestor = createLogsIngestor(logsQueue, ingestOptions);

    const responses = createResponseCounters();
    // One bound on export requests in flight for the whole process, over both receivers.
    const slots = createExportSlots(config.maxConcurrentRequests);
    const otlp = createOtlpHttpReceiver({
      ingestor,
      logsIngestor,
      maxBodyBytes: config.maxBodyBytes,
      slots,
      tls,
      requestTimeoutMs: config.requestTimeoutMs,
      logLevel: config.logLevel,
      authorize: (headers) => decideRequest(keys, headerOf(headers), 'ingest'),
    });
    countHttpResponses(otlp, 'otlp_http', responses);
    retryAfterWhileClosing(otlp, RETRY_AFTER_SECONDS);
    servers.push(otlp);
    const otlpHttpUrl = await otlp.listen({ host: config.host, port: config.otlpHttpPort });
    // Same ingest path and size limit as OTLP/HTTP; logs through the HTTP receiver's logger.
    grpc = createOtlpGrpcReceiver({
      ingestor,
      logsIngestor,
      maxMessageBytes: config.maxBodyBytes,
      slots,
      tls,
      log: otlp.log,
      // Counting first, so refusals by the key check are counted too.
      interceptors: [countGrpcStatuses(responses)],
      authorize: (metadata) => decideRequest(keys, metadata, 'ingest'),
    });
    const otlpGrpcAddress = await grpc.listen(config.host, config.otlpGrpcPort);

    const metricsSources = {
      ingest: () => ingestor.counters,
      queue: () => queue.stats(),
      queueMaxBytes: config.queueMaxBytes,
      inserter: () => inserter.stats(),
      schemaApplied: () => schemaApplied,
      queues: () => ({
        spans: { queue: queue.stats(), inserter: inserter.stats() },
        logs: { queue: logsQueue.stats(), inserter: logsInserter.stats() },
        feedback: { queue: feedbackQueue.stats(), inserter: feedbackInserter.stats() },
      }),
    };
    // The alert watcher: its rules, its durable outbox in the data directory, its gauge.
    const rules = config.alertsConfig ? loadAlertRules(config.alertsConfig) : alertRules();
    const outbox = openOutbox({
      dir: join(dataDir, 'alerts-outbox'),
      onError: (m, err) => log.warn({ url: m.url, attempts: m.attempts, err }, 'alert webhook delivery failed; kept in the outbox and retried with backoff'),
    });
    let apiUrlForLinks = '';
    // Collectors sharing a server take turns by lease: one watches and notifies for all.
    const sharedLock = (name: string) =>
      store.placement === 'server' ? createLeaseLock(store.client, { name, leaseMs: config.lockLeaseMs, cluster: config.cluster, holderFile: holderFileIn(dataDir) }) : undefined;
    const leader = sharedLock('alerts');
    const watcher = createWatcher({ client: store.client, rules, outbox, pageUrl: () => apiUrlForLinks, log, leader });
    const alertGauge = regressionGauge(watcher);
    const pipelineMetrics = metricsRenderer(metricsSources, responses);
    const api = createApi({
      client: store.client,
      alerts: { watcher, outbox },
      // Registry writes check rules against what is stored, then append: one at a time across collectors.
      registryWriteLock: sharedLock('registry'),
      userSql: store.userSql,
      keys,
      loopback: isLoopbackHost(config.host),
      logLevel: config.logLevel,
      tls,
      flush,
      feedbackQueue: { append: (rows) => feedbackQueue.append(encodeAssessmentRecord(rows)) },
      rejected: { list: () => queue.listRejected(), retry: (id) => queue.retryRejected(id), discard: (id) => queue.discardRejected(id) },
      health: {
        metrics: async () => `${await pipelineMetrics()}${await alertGauge()}`,
        metricsContentType: METRICS_CONTENT_TYPE,
        readiness: {
          schemaApplied: () => schemaApplied,
          ping: async (signal) => {
            const result = await store.readOnlyClient.query({ query: 'SELECT 1', format: 'JSONEachRow', abort_signal: signal });
            await result.json();
          },
          queueBytes: () => queue.stats().bytes + queue.stats().rejectedBytes,
          queueMaxBytes: config.queueMaxBytes,
          freeDiskBytes: async () => {
            const disk = await statfs(dataDir);
            return disk.bavail * disk.bsize;
          },
          minFreeDiskBytes: config.minFreeDiskBytes,
          insertsFailing: () => {
            const { failingSinceMs, lastError } = inserter.stats();
            return failingSinceMs === undefined ? undefined : { sinceMs: failingSinceMs, error: lastError ?? '' };
          },
          insertsFailingGraceMs: config.storeFailingGraceMs,
        },
      },
    });
    servers.push(api);
    queryServers.push(api);
    countHttpResponses(api, 'api', responses);
    retryAfterWhileClosing(api, RETRY_AFTER_SECONDS);
    const apiUrl = await api.listen({ host: config.host, port: config.apiPort });
    apiUrlForLinks = apiUrl;
    // After the API: a first pass then waits a whole interval, so a short-lived collector never runs one.
    watcher.start();
    outbox.start(5_000);
    // On a server placement ClickHouse clients talk to that server (which likely holds port 8123).
    let clickhouseHttpUrl: string | undefined;
    if (store.placement === 'embedded') {
      const clickhouse = createClickHouseHttp({ userSql: store.userSql, keys, displayName: config.displayName, logLevel: config.logLevel });
      servers.push(clickhouse);
      queryServers.push(clickhouse);
      countHttpResponses(clickhouse, 'clickhouse_http', responses);
      clickhouseHttpUrl = await clickhouse.listen({ host: config.host, port: config.clickhouseHttpPort });
    }
    // Online scoring: after everything else is up, and never in the way of ingest (a failing
    // scorer is an error assessment; a failing round is logged and retried).
    let scoring: OnlineScoring | undefined;
    if (config.scorer) {
      const scorers = await Promise.all(config.scorer.split(',').map((s) => s.trim()).filter(Boolean).map(loadScorer));
      await schemaReady;
      // Behind: a sealed segment is being inserted, or waits for its insert; receiving: the open one has spans.
      const ingest = (): IngestState => {
        const q = queue.stats();
        return q.sealedSegments > 0 ? 'behind' : q.rows > 0 ? 'receiving' : 'idle';
      };
      scoring = startOnlineScoring(store.client, scorers, { timeoutMs: config.scorerTimeoutMs, quietMs: config.scorerQuietMs, log, ingest });
      log.info({ scorers: scorers.map((s) => `${s.name}@${s.version}`) }, 'scoring new traces online');
      stopInserters.push(() => scoring!.stop());
    }
    claim.publish({ apiUrl, otlpHttpUrl });
    const reported = (why: string) => (result: { keys: ApiKeys } | { err: Error }) => {
      if ('err' in result) log.error({ err: result.err.message }, `API keys not reloaded (${why}); the keys in force stay`);
      else log.info({ ingest: result.keys.counts.ingest, read: result.keys.counts.read }, `API keys reloaded (${why})`);
    };
    keys.watch(reported('the keys file changed'));

    let closing: Promise<void> | undefined;
    return {
      config,
      store,
      inserter,
      ingestor,
      flush,
      otlpHttpUrl,
      otlpGrpcAddress,
      otlpGrpcUrl: `${tls ? 'https' : 'http'}://${otlpGrpcAddress}`,
      apiUrl,
      clickhouseHttpUrl,
      scoring,
      keys,
      schemaApplied: () => schemaApplied,
      reloadKeys(why) {
        try {
          keys.reload();
          reported(why)({ keys });
        } catch (err) {
          reported(why)({ err: err as Error });
        }
      },
      close() {
        closing ??= (async () => {
          keys.close();
          stopSchemaRetry.abort(new Error('collector stopped before the ClickHouse server could be reached'));
          for (const stop of stopTimers) stop();
          // A watcher pass or a delivery in progress finishes before the store closes.
          await Promise.all([watcher.close(), outbox.close()]);
          // Users' queries stop first: a long one would otherwise hold its server's close().
          await store.userSql.close();
          // Node's close() waits for every connection, and one that never sent a request (a client's
          // preconnect) is never idle to it: after a short grace the query servers' connections are cut.
          const cut = setTimeout(() => queryServers.forEach((s) => s.server.closeAllConnections()), QUERY_SERVER_CLOSE_GRACE_MS);
          await Promise.all([...servers.map((s) => s.close()), grpc?.close()]);
          clearTimeout(cut);
          await Promise.all([inserter.close(config.shutdownTimeoutMs), ...stopInserters.map((stop) => stop(config.shutdownTimeoutMs))]);
          await store.close();
          claim.release();
        })();
        return closing;
      },
    };
  } catch (err) {
    // Whatever was started stops, or it keeps the process alive (the schema retry, the inserter).
    stopSchemaRetry.abort(new Error('the collector failed to start'));
    for (const stop of stopTimers) stop();
    await Promise.allSettled([...servers.map((s) => s.close()), grpc?.close()]);
    await startedInserter?.close(0).catch(() => {});
    await Promise.allSettled(stopInserters.map((stop) => stop(0)));
    await store.close().catch(() => {});
    claim.release();
    throw err;
  }
}
