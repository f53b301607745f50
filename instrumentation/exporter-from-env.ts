// Chooses and builds the span exporter from the standard OTel variables (OTEL_TRACES_EXPORTER,
// OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL / _ENDPOINT), defaulting to OTLP http/protobuf on Verdict's local
// collector. Headers, timeout, compression and TLS variables are left to the OTLP exporters, which read them.

import { createRequire } from 'node:module';
import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { InstrumentationError } from './errors.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

export interface ExportOptions {
  /** Overrides OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL. */
  protocol?: OtlpProtocol;
  /** Full traces URL (e.g. `http://collector:4318/v1/traces`); overrides the endpoint variables. */
  url?: string;
  /** Sent with every export, on top of OTEL_EXPORTER_OTLP_[TRACES_]HEADERS. */
  headers?: Record<string, string>;
}

/**
 * What to build, in plain JSON: the exit path hands it to a child process that rebuilds the same exporter.
 * `url` undefined means "the endpoint variables say where", resolved by the OTLP exporter itself.
 */
export type ExportConfig =
  | { kind: 'otlp'; protocol: OtlpProtocol; url?: string; headers?: Record<string, string> }
  | { kind: 'console' }
  | { kind: 'none' };

export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];
export const DEFAULT_OTLP_HTTP_TRACES_URL = 'http://127.0.0.1:4318/v1/traces';
export const DEFAULT_OTLP_GRPC_URL = 'http://127.0.0.1:4317';

const lazyRequire = createRequire(import.meta.url);

export function resolveExportConfig(options: ExportOptions = {}, env: NodeJS.ProcessEnv = process.env): ExportConfig {
  const exporterName = firstNonEmpty(env.OTEL_TRACES_EXPORTER)?.split(',')[0]?.trim().toLowerCase() ?? 'otlp';
  if (exporterName === 'none') return { kind: 'none' };
  if (exporterName === 'console') return { kind: 'console' };

  const protocol = options.protocol ?? firstNonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, env.OTEL_EXPORTER_OTLP_PROTOCOL) ?? 'http/protobuf';
  if (!isOtlpProtocol(protocol)) {
    throw new InstrumentationError(
      'UNSUPPORTED_OTLP_PROTOCOL',
      `OTLP protocol "${protocol}" is not supported; use one of ${OTLP_PROTOCOLS.join(', ')}`,
    );
  }
  let url = options.url;
  if (url !== undefined && !URL.canParse(url)) {
    throw new InstrumentationError('INVALID_EXPORT_URL', `export URL "${url}" is not an absolute URL`);
  }
  const endpointInEnv = firstNonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, env.OTEL_EXPORTER_OTLP_ENDPOINT);
  // The OTLP exporters' own default is localhost, which can resolve to ::1 while the collector listens on IPv4.
  if (url === undefined && endpointInEnv === undefined) {
    url = protocol === 'grpc' ? DEFAULT_OTLP_GRPC_URL : DEFAULT_OTLP_HTTP_TRACES_URL;
  }
  return { kind: 'otlp', protocol, url, headers: options.headers };
}

/** Builds the exporter; only the package for the chosen protocol is loaded (gRPC pulls in @grpc/grpc-js). */
export function createExporter(config: ExportConfig): SpanExporter | undefined {
  if (config.kind === 'none') return undefined;
  if (config.kind === 'console') return new ConsoleSpanExporter();
  const { url, headers } = config;
  switch (config.protocol) {
    case 'http/protobuf': {
      const { OTLPTraceExporter } = load<typeof import('@opentelemetry/exporter-trace-otlp-proto')>('@opentelemetry/exporter-trace-otlp-proto', config.protocol);
      return new OTLPTraceExporter({ url, headers });
    }
    case 'http/json': {
      const { OTLPTraceExporter } = load<typeof import('@opentelemetry/exporter-trace-otlp-http')>('@opentelemetry/exporter-trace-otlp-http', config.protocol);
      return new OTLPTraceExporter({ url, headers });
    }
    case 'grpc': {
      const { OTLPTraceExporter } = load<typeof import('@opentelemetry/exporter-trace-otlp-grpc')>('@opentelemetry/exporter-trace-otlp-grpc', config.protocol);
      return new OTLPTraceExporter({ url, metadata: headers ? grpcMetadata(headers) : undefined });
    }
  }
}

function grpcMetadata(headers: Record<string, string>): import('@grpc/grpc-js').Metadata {
  const { Metadata } = load<typeof import('@grpc/grpc-js')>('@grpc/grpc-js', 'grpc');
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return metadata;
}

/**
 * Loads an exporter package. The engine-free `verdict-instrumentation` package leaves the gRPC exporter (and
 * @grpc/grpc-js) to apps that choose gRPC, so a missing one is a configuration error saying what to install.
 */
function load<T>(name: string, protocol: OtlpProtocol): T {
  try {
    return lazyRequire(name) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new InstrumentationError('EXPORTER_NOT_INSTALLED', `OTLP protocol "${protocol}" needs the ${name} package: npm install ${name}`);
  }
}

function isOtlpProtocol(value: string): value is OtlpProtocol {
  return (OTLP_PROTOCOLS as readonly string[]).includes(value);
}

function firstNonEmpty(...values: Array<string | undefined>): string | undefined {
  for (const value of values) {
    const trimmed = value?.trim();
    if (trimmed) return trimmed;
  }
  return undefined;
}
