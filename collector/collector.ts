// Starts and stops the whole collector: store and schema, batch writer, OTLP receivers, query API.
// startCollector is what `verdict serve` runs and what tests start in-process.
import type { FastifyInstance } from 'fastify';
import { applySchema } from '../schema/apply-schema.js';
import { createApiServer } from './api-server.js';
import { createBatchWriter, type SpanSink } from './batch-writer.js';
import type { VerdictConfig } from './config.js';
import { assertDataDirFree, writeCollectorLock } from './data-dir-lock.js';
import { createIngestor, type Ingestor } from './ingest.js';
import { createOtlpGrpcReceiver, type OtlpGrpcReceiver } from './otlp-grpc-receiver.js';
import { createOtlpHttpReceiver } from './otlp-http-receiver.js';
import { openStore, type Store } from './store.js';

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
  /** Stops accepting, finishes in-flight requests, stores what is batched, closes the engine. */
  close(): Promise<void>;
}

export async function startCollector(config: VerdictConfig): Promise<RunningCollector> {
  if (!config.clickhouseUrl) assertDataDirFree(config.dataDir);
  const store = openStore(config);
  const servers: FastifyInstance[] = [];
  let grpc: OtlpGrpcReceiver | undefined;
  let releaseLock = () => {};
  try {
    await applySchema(store.client, { ttlDays: config.ttlDays });
    const sink = createBatchWriter({
      insert: (bytes, token) => store.insertSpanRows(bytes, token),
      maxRows: config.batchMaxRows,
      maxDelayMs: config.batchMaxDelayMs,
      maxPendingBytes: config.maxPendingBytes,
    });
    const ingestor = createIngestor(sink, {
      maxAttributesPerSpan: config.maxAttributesPerSpan,
      maxAttributeValueLength: config.maxAttributeValueLength,
    });
    const otlp = createOtlpHttpReceiver({ ingestor, maxBodyBytes: config.maxBodyBytes, logLevel: config.logLevel });
    servers.push(otlp);
    const otlpHttpUrl = await otlp.listen({ host: config.host, port: config.otlpHttpPort });
    // Same ingest path and size limit as OTLP/HTTP; logs through the HTTP receiver's logger.
    grpc = createOtlpGrpcReceiver({ ingestor, maxMessageBytes: config.maxBodyBytes, log: otlp.log });
    const otlpGrpcAddress = await grpc.listen(config.host, config.otlpGrpcPort);
    const api = createApiServer({ client: store.client, readOnlyClient: store.readOnlyClient, logLevel: config.logLevel });
    servers.push(api);
    const apiUrl = await api.listen({ host: config.host, port: config.apiPort });
    if (store.placement === 'embedded') releaseLock = writeCollectorLock(store.location, { apiUrl, otlpHttpUrl });

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
      close() {
        closing ??= (async () => {
          await Promise.all([...servers.map((s) => s.close()), grpc?.close()]);
          await sink.close();
          releaseLock();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await Promise.allSettled([...servers.map((s) => s.close()), grpc?.close()]);
    releaseLock();
    await store.close().catch(() => {});
    throw err;
  }
}
