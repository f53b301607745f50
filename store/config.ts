// The collector's one typed configuration: defaults that work on a fresh machine, overridden by
// VERDICT_* environment variables, then by command-line flags. Bad values fail fast with the name
// of the setting that was wrong.

export interface VerdictConfig {
  /** Where Verdict keeps its files: the durable queue, and the embedded engine's data unless clickhouseUrl is set. */
  dataDir: string;
  host: string;
  otlpHttpPort: number;
  otlpGrpcPort: number;
  apiPort: number;
  /** A ClickHouse server instead of the embedded engine. */
  clickhouseUrl?: string;
  clickhouseUser?: string;
  clickhousePassword?: string;
  clickhouseDatabase: string;
  /** Decompressed OTLP request bodies above this many bytes are answered 413. */
  maxBodyBytes: number;
  /** Days to keep spans; 0 keeps them forever. */
  ttlDays: number;
  /** A batch (durable queue segment) is inserted when it holds this many spans... */
  batchMaxRows: number;
  /**
   * ...or when its oldest span has waited this long. A batch that reaches it while the one before
   * is still being inserted keeps filling until the inserter is free: its spans wait for the
   * inserter either way, and fewer, larger inserts are far cheaper for the engine.
   */
  batchMaxDelayMs: number;
  /** Spans waiting on disk for insertion beyond this many bytes make ingest answer 503 (retry later). */
  queueMaxBytes: number;
  /** On SIGTERM, how long to keep inserting queued spans before exiting (the rest stays queued). */
  shutdownTimeoutMs: number;
  /** How often traces whose spans other writers inserted (the upstream exporter), and feedback, are settled. */
  settleIntervalMs: number;
  settleGapMs: number;
  maxAttributesPerSpan: number;
  maxAttributeValueLength: number;
  /** AnyValue arrays/maps nested deeper than this are stored as a marker string. */
  maxValueDepth: number;
  /** Export requests handled at once, OTLP/HTTP and OTLP/gRPC together (429 / RESOURCE_EXHAUSTED beyond); also each gRPC connection's stream limit. */
  maxConcurrentRequests: number;
  /** A request's headers and body must arrive within this time; idle sockets are closed after it. */
  requestTimeoutMs: number;
  logLevel: string;
  /** Keys that may send spans (VERDICT_INGEST_KEYS, comma-separated; environment only, never a flag). */
  ingestKeys: string[];
  /** Keys that may use the query API (VERDICT_READ_KEYS, comma-separated). */
  readKeys: string[];
  /** A JSON file `{ "ingest": [...], "read": [...] }` with more keys. */
  keysFile?: string;
  /** Alert rules file (issue 13); the watcher runs with default rules without one. */
  alertsConfig?: string;
  /** A YAML or JSON file of model prices (USD per million tokens) that win over the bundled price data. */
  prices?: string;
  /** Scorer modules (or builtin:<name>), comma-separated, that score traces online as they complete. */
  scorer?: string;
  /** A scorer call on one trace taking longer than this records a timeout error. */
  scorerTimeoutMs: number;
  /** A trace with no new span for this long is complete, and scored online. */
  scorerQuietMs: number;
  /** Listen on a non-loopback address without keys (a network boundary is trusted to protect it). */
  insecure: boolean;
  /** ClickHouse-compatible HTTP endpoint (read-only) on the embedded store. */
  clickhouseHttpPort: number;
  /** What the store answers for displayName() (never the host's name). */
  displayName: string;
  /** Per-query limits on users' SQL (verdict sql, /api/sql, the ClickHouse endpoint). */
  sqlTimeoutMs: number;
  sqlMaxMemoryBytes: number;
  sqlMaxRowsRead: number;
  sqlMaxBytesRead: number;
  sqlMaxResultRows: number;
  sqlMaxResultBytes: number;
  sqlMaxThreads: number;
  sqlMaxConcurrent: number;
  /** Below this many free bytes on the data directory's disk, /readyz says not ready. */
  minFreeDiskBytes: number;
  /** Inserts failing for longer than this make /readyz say not ready. */
  storeFailingGraceMs: number;
  /** PEM certificate (chain) the OTLP receivers and the API present over TLS; with tlsKey. */
  tlsCert?: string;
  /** PEM private key of tlsCert. */
  tlsKey?: string;
  /** PEM CA: clients must present a certificate it signed (mutual TLS). */
  tlsClientCa?: string;
  /** A ClickHouse cluster (with clickhouseUrl): the schema is made ON CLUSTER, replicated and distributed. */
  cluster?: string;
  /** Collectors sharing a server: a lock holder silent this long (server time) is taken over. */
  lockLeaseMs: number;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_ERROR';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_CONFIG: VerdictConfig = {
  dataDir: './.verdict/data',
  host: '127.0.0.1',
  otlpHttpPort: 4318,
  otlpGrpcPort: 4317,
  apiPort: 7318,
  clickhouseDatabase: 'default',
  maxBodyBytes: 32 * 1024 * 1024,
  ttlDays: 0,
  batchMaxRows: 50_000,
  batchMaxDelayMs: 200,
  queueMaxBytes: 2 * 1024 * 1024 * 1024,
  shutdownTimeoutMs: 10_000,
  settleIntervalMs: 5_000,
  settleGapMs: 1_000,
  scorerTimeoutMs: 30_000,
  scorerQuietMs: 2_000,
  maxAttributesPerSpan: 1024,
  maxAttributeValueLength: 64 * 1024,
  maxValueDepth: 32,
  maxConcurrentRequests: 256,
  requestTimeoutMs: 30_000,
  logLevel: 'warn',
  ingestKeys: [],
  readKeys: [],
  insecure: false,
  clickhouseHttpPort: 8123,
  displayName: 'verdict',
  sqlTimeoutMs: 30_000,
  sqlMaxMemoryBytes: 1024 * 1024 * 1024,
  sqlMaxRowsRead: 1_000_000_000,
  sqlMaxBytesRead: 16 * 1024 * 1024 * 1024,
  sqlMaxResultRows: 1_000_000,
  sqlMaxResultBytes: 128 * 1024 * 1024,
  sqlMaxThreads: 1,
  sqlMaxConcurrent: 2,
  minFreeDiskBytes: 512 * 1024 * 1024,
  storeFailingGraceMs: 30_000,
  lockLeaseMs: 30_000,
};

export type Kind = 'string' | 'port' | 'int' | 'list' | 'boolean';

/**
 * Each setting: its flag (--kebab-case), its environment variable, and how to parse it. Secrets
 * that must not show in `ps` (API keys) have no flag.
 */
export interface Setting {
  key: keyof VerdictConfig;
  /** `--kebab-case` without the dashes; none for secrets that must not show in `ps` (API keys). */
  flag?: string;
  env: string;
  kind: Kind;
  description: string;
}

/** Each setting once: its flag, its environment variable, how to parse it, and what it means. */
export const SETTINGS: readonly Setting[] = [
  { key: 'dataDir', flag: 'data-dir', env: 'VERDICT_DATA_DIR', kind: 'string', description: 'the durable queue, and the embedded store' },
  { key: 'host', flag: 'host', env: 'VERDICT_HOST', kind: 'string', description: 'address the receivers and API bind' },
  { key: 'otlpHttpPort', flag: 'otlp-http-port', env: 'VERDICT_OTLP_HTTP_PORT', kind: 'port', description: 'OTLP/HTTP port' },
  { key: 'otlpGrpcPort', flag: 'otlp-grpc-port', env: 'VERDICT_OTLP_GRPC_PORT', kind: 'port', description: 'OTLP/gRPC port' },
  { key: 'apiPort', flag: 'api-port', env: 'VERDICT_API_PORT', kind: 'port', description: 'query API (and page) port' },
  { key: 'clickhouseUrl', flag: 'clickhouse-url', env: 'VERDICT_CLICKHOUSE_URL', kind: 'string', description: 'a ClickHouse server instead of the embedded engine' },
  { key: 'clickhouseUser', flag: 'clickhouse-user', env: 'VERDICT_CLICKHOUSE_USER', kind: 'string', description: 'ClickHouse server user' },
  { key: 'clickhousePassword', flag: 'clickhouse-password', env: 'VERDICT_CLICKHOUSE_PASSWORD', kind: 'string', description: 'ClickHouse server password' },
  { key: 'clickhouseDatabase', flag: 'clickhouse-database', env: 'VERDICT_CLICKHOUSE_DATABASE', kind: 'string', description: 'ClickHouse server database' },
  { key: 'maxBodyBytes', flag: 'max-body-bytes', env: 'VERDICT_MAX_BODY_BYTES', kind: 'int', description: 'decompressed OTLP request limit in bytes (413 / RESOURCE_EXHAUSTED above)' },
  { key: 'ttlDays', flag: 'ttl-days', env: 'VERDICT_TTL_DAYS', kind: 'int', description: 'drop spans older than this many days (0 keeps them)' },
  { key: 'batchMaxRows', flag: 'batch-max-rows', env: 'VERDICT_BATCH_MAX_ROWS', kind: 'int', description: 'spans per insert batch' },
  { key: 'batchMaxDelayMs', flag: 'batch-max-delay-ms', env: 'VERDICT_BATCH_MAX_DELAY_MS', kind: 'int', description: 'longest wait in ms before spans are queryable' },
  { key: 'queueMaxBytes', flag: 'queue-max-bytes', env: 'VERDICT_QUEUE_MAX_BYTES', kind: 'int', description: 'bytes of spans waiting on disk before ingest answers 503' },
  { key: 'shutdownTimeoutMs', flag: 'shutdown-timeout-ms', env: 'VERDICT_SHUTDOWN_TIMEOUT_MS', kind: 'int', description: 'on SIGTERM, ms to keep inserting before exit (the rest stays queued)' },
  { key: 'settleIntervalMs', flag: 'settle-interval-ms', env: 'VERDICT_SETTLE_INTERVAL_MS', kind: 'int', description: 'ms between settling traces that other writers (the upstream exporter) inserted, and feedback (assessments, and the feedback of traces settled since)' },
  { key: 'settleGapMs', flag: 'settle-gap-ms', env: 'VERDICT_SETTLE_GAP_MS', kind: 'int', description: 'least ms between settling runs after inserts: stored spans reach the questions within it (flush settles at once); stretched to 3x the last run under a saturating load' },
  { key: 'maxAttributesPerSpan', flag: 'max-attributes-per-span', env: 'VERDICT_MAX_ATTRIBUTES_PER_SPAN', kind: 'int', description: 'attributes kept per span, event, link or resource (the rest dropped and counted)' },
  { key: 'maxAttributeValueLength', flag: 'max-attribute-value-length', env: 'VERDICT_MAX_ATTRIBUTE_VALUE_LENGTH', kind: 'int', description: 'characters kept per attribute value (longer ones truncated and counted)' },
  { key: 'maxValueDepth', flag: 'max-value-depth', env: 'VERDICT_MAX_VALUE_DEPTH', kind: 'int', description: 'nesting kept in array/map values (deeper is cut to a marker)' },
  { key: 'maxConcurrentRequests', flag: 'max-concurrent-requests', env: 'VERDICT_MAX_CONCURRENT_REQUESTS', kind: 'int', description: 'export requests handled at once, HTTP and gRPC together (429 / RESOURCE_EXHAUSTED beyond; also each gRPC connection\'s stream limit)' },
  { key: 'requestTimeoutMs', flag: 'request-timeout-ms', env: 'VERDICT_REQUEST_TIMEOUT_MS', kind: 'int', description: 'ms a request has to arrive whole; idle sockets close after it' },
  { key: 'logLevel', flag: 'log-level', env: 'VERDICT_LOG_LEVEL', kind: 'string', description: 'pino log level' },
  { key: 'ingestKeys', env: 'VERDICT_INGEST_KEYS', kind: 'list', description: 'keys that may send spans (comma-separated)' },
  { key: 'readKeys', env: 'VERDICT_READ_KEYS', kind: 'list', description: 'keys that may read (comma-separated)' },
  { key: 'scorer', flag: 'scorer', env: 'VERDICT_SCORERS', kind: 'string', description: 'scorer modules (or builtin:output-present, builtin:answer-length, builtin:expected-match, builtin:tool-errors), comma-separated: each new trace is scored once per scorer version as it completes' },
  { key: 'scorerTimeoutMs', flag: 'scorer-timeout-ms', env: 'VERDICT_SCORER_TIMEOUT_MS', kind: 'int', description: 'a scorer call taking longer records a timeout error assessment' },
  { key: 'scorerQuietMs', flag: 'scorer-quiet-ms', env: 'VERDICT_SCORER_QUIET_MS', kind: 'int', description: 'a trace with no new span for this long is complete and scored online' },
  { key: 'prices', flag: 'prices', env: 'VERDICT_PRICES', kind: 'string', description: 'a YAML or JSON file of model prices (USD per million tokens: model, provider, input, output, cacheRead, cacheWrite) that win over the bundled price data' },
  { key: 'keysFile', flag: 'keys-file', env: 'VERDICT_KEYS_FILE', kind: 'string', description: 'a JSON file { "ingest": [...], "read": [...] } with more keys' },
  { key: 'insecure', flag: 'insecure', env: 'VERDICT_INSECURE', kind: 'boolean', description: 'listen on a non-loopback address without keys' },
  { key: 'clickhouseHttpPort', flag: 'clickhouse-http-port', env: 'VERDICT_CLICKHOUSE_HTTP_PORT', kind: 'port', description: 'read-only ClickHouse HTTP interface on the embedded store (for ClickHouse clients and Grafana)' },
  { key: 'displayName', flag: 'display-name', env: 'VERDICT_DISPLAY_NAME', kind: 'string', description: 'what displayName() answers in users\' SQL (never the host name)' },
  { key: 'sqlTimeoutMs', flag: 'sql-timeout-ms', env: 'VERDICT_SQL_TIMEOUT_MS', kind: 'int', description: 'longest a users\' SQL query may run, in ms' },
  { key: 'sqlMaxMemoryBytes', flag: 'sql-max-memory-bytes', env: 'VERDICT_SQL_MAX_MEMORY_BYTES', kind: 'int', description: 'memory one users\' SQL query may use, in bytes' },
  { key: 'sqlMaxRowsRead', flag: 'sql-max-rows-read', env: 'VERDICT_SQL_MAX_ROWS_READ', kind: 'int', description: 'rows one users\' SQL query may read' },
  { key: 'sqlMaxBytesRead', flag: 'sql-max-bytes-read', env: 'VERDICT_SQL_MAX_BYTES_READ', kind: 'int', description: 'uncompressed bytes one users\' SQL query may read' },
  { key: 'sqlMaxResultRows', flag: 'sql-max-result-rows', env: 'VERDICT_SQL_MAX_RESULT_ROWS', kind: 'int', description: 'rows one users\' SQL answer may hold' },
  { key: 'sqlMaxResultBytes', flag: 'sql-max-result-bytes', env: 'VERDICT_SQL_MAX_RESULT_BYTES', kind: 'int', description: 'uncompressed bytes one users\' SQL answer may hold' },
  { key: 'sqlMaxThreads', flag: 'sql-max-threads', env: 'VERDICT_SQL_MAX_THREADS', kind: 'int', description: 'engine threads one users\' SQL query may use (the rest stay with ingest)' },
  { key: 'sqlMaxConcurrent', flag: 'sql-max-concurrent', env: 'VERDICT_SQL_MAX_CONCURRENT', kind: 'int', description: 'users\' SQL queries run at once (more wait in line)' },
  { key: 'minFreeDiskBytes', flag: 'min-free-disk-bytes', env: 'VERDICT_MIN_FREE_DISK_BYTES', kind: 'int', description: 'free bytes on the data directory\'s disk below which /readyz says not ready' },
  { key: 'tlsCert', flag: 'tls-cert', env: 'VERDICT_TLS_CERT', kind: 'string', description: 'PEM certificate: OTLP/HTTP, OTLP/gRPC and the API serve TLS (with --tls-key)' },
  { key: 'tlsKey', flag: 'tls-key', env: 'VERDICT_TLS_KEY', kind: 'string', description: 'PEM private key of --tls-cert' },
  { key: 'tlsClientCa', flag: 'tls-client-ca', env: 'VERDICT_TLS_CLIENT_CA', kind: 'string', description: 'PEM CA: every client must present a certificate it signed (mutual TLS)' },
  { key: 'alertsConfig', flag: 'alerts-config', env: 'VERDICT_ALERTS_CONFIG', kind: 'string', description: 'a JSON file of alert rules (metrics, thresholds, environments, quiet hours, webhooks); see docs/alerts.md' },
  { key: 'cluster', flag: 'cluster', env: 'VERDICT_CLUSTER', kind: 'string', description: 'a ClickHouse cluster name (with --clickhouse-url): replicated tables, sharded by trace, with distributed tables over them' },
  { key: 'lockLeaseMs', flag: 'lock-lease-ms', env: 'VERDICT_LOCK_LEASE_MS', kind: 'int', description: 'ms a collector holding the migration or settle lock may be silent before another takes it over' },
  { key: 'storeFailingGraceMs', flag: 'store-failing-grace-ms', env: 'VERDICT_STORE_FAILING_GRACE_MS', kind: 'int', description: 'ms inserts may fail before /readyz says not ready' },
];

export const CONFIG_FLAGS = SETTINGS.flatMap((s) => (s.flag ? [s.flag] : []));
/** Flags that take no value (`--insecure`); the CLI passes them here as "true". */
export const CONFIG_BOOLEAN_FLAGS: ReadonlySet<string> = new Set(SETTINGS.flatMap((s) => (s.flag && s.kind === 'boolean' ? [s.flag] : [])));

function parse(kind: Kind, raw: string, source: string): string | number | boolean | string[] {
  if (kind === 'list') return raw.split(',').map((v) => v.trim()).filter((v) => v !== '');
  if (kind === 'boolean') {
    if (/^(1|true|yes)$/i.test(raw)) return true;
    if (/^(0|false|no)$/i.test(raw)) return false;
    throw new ConfigError(`${source} must be true or false, got ${JSON.stringify(raw)}`);
  }
  if (kind === 'string') {
    if (raw === '') throw new ConfigError(`${source} must not be empty`);
    return raw;
  }
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${source} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (kind === 'port' && n > 65535) throw new ConfigError(`${source} must be a port number (0-65535), got ${raw}`);
  return n;
}

/**
 * Builds the configuration from defaults, then `env`, then `flags` (already split into name → value,
 * names without the leading dashes). Unknown flags are the caller's business.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: Record<string, string> = {}): VerdictConfig {
  const config: VerdictConfig = { ...DEFAULT_CONFIG };
  const target = config as unknown as Record<string, unknown>;
  for (const s of SETTINGS) {
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') target[s.key] = parse(s.kind, fromEnv, s.env);
    const fromFlag = s.flag === undefined ? undefined : flags[s.flag];
    if (fromFlag !== undefined) target[s.key] = parse(s.kind, fromFlag, `--${s.flag}`);
  }
  if (config.batchMaxRows < 1) throw new ConfigError('--batch-max-rows must be at least 1');
  if (config.maxBodyBytes < 1024) throw new ConfigError('--max-body-bytes must be at least 1024');
  if (config.settleIntervalMs < 100) throw new ConfigError('--settle-interval-ms must be at least 100');
  if (config.settleGapMs < 0) throw new ConfigError('--settle-gap-ms must be 0 or more');
  const atLeastOne = [['sql-timeout-ms', config.sqlTimeoutMs], ['sql-max-threads', config.sqlMaxThreads], ['sql-max-concurrent', config.sqlMaxConcurrent]] as const;
  for (const [flag, value] of atLeastOne) if (value < 1) throw new ConfigError(`--${flag} must be at least 1`);
  if (Boolean(config.tlsCert) !== Boolean(config.tlsKey)) throw new ConfigError('--tls-cert and --tls-key go together: set both, or neither');
  if (config.cluster && !config.clickhouseUrl) throw new ConfigError('--cluster needs --clickhouse-url: a cluster is reached through one of its servers');
  if (config.cluster && !/^[\w.-]+$/.test(config.cluster)) throw new ConfigError(`--cluster must be a cluster name (letters, digits, _ . -), got ${JSON.stringify(config.cluster)}`);
  if (config.lockLeaseMs < 1000) throw new ConfigError('--lock-lease-ms must be at least 1000');
  if (config.tlsClientCa && !config.tlsCert) throw new ConfigError('--tls-client-ca needs --tls-cert and --tls-key: client certificates are checked over TLS');
  return config;
}
