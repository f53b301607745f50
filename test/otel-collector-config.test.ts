// otel-collector.yaml is valid YAML naming only otelcol-contrib components listed (with their
// sources) in docs/otel-collector.md, and both topologies hang together; the ClickHouse exporter's
// exact INSERT column list lands in Verdict's otel_traces with derived columns and rollups filled.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { DEFAULT_CONFIG } from '../store/config.js';
import { rows, startTestCollector } from './helpers/in-process-collector.js';

const ROOT = new URL('../', import.meta.url);
const CONFIG_TEXT = readFileSync(new URL('otel-collector.yaml', ROOT), 'utf8');
const DOC = readFileSync(new URL('docs/otel-collector.md', ROOT), 'utf8');

interface YamlParser {
  parse(text: string, options?: { uniqueKeys?: boolean; strict?: boolean }): unknown;
}
// The `yaml` package (eemeli/yaml) is a devDependency to add; until it is installed these checks
// are skipped and say so, rather than checking a JSON-like subset by hand.
const yamlPackage = 'yaml';
const YAML = (await import(yamlPackage).catch(() => undefined)) as YamlParser | undefined;
if (!YAML) console.warn('otel-collector.yaml structure checks skipped: the `yaml` devDependency is not installed');

/** Rows of the markdown table between <!-- name:start --> and <!-- name:end -->, cells unquoted. */
function docTable(name: string): string[][] {
  const block = new RegExp(`<!-- ${name}:start -->([\\s\\S]*?)<!-- ${name}:end -->`).exec(DOC)?.[1];
  if (!block) throw new Error(`docs/otel-collector.md has no ${name} table`);
  return block
    .trim()
    .split('\n')
    .slice(2)
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/^`|`$/g, '')));
}

const KINDS = { receivers: 'receiver', processors: 'processor', exporters: 'exporter', extensions: 'extension' } as const;
type Section = keyof typeof KINDS;

type Config = Record<Section, Record<string, Record<string, unknown> | null>> & {
  service: { extensions?: string[]; pipelines: Record<string, Record<'receivers' | 'processors' | 'exporters', string[] | undefined>> };
};

const ENV_REF = /^\$\{env:([A-Z_][A-Z0-9_]*)(?::-(.*))?\}$/;

/** A config value as the collector sees it with the given environment (only the env provider is used). */
function resolve(value: unknown, env: Record<string, string>): unknown {
  if (typeof value !== 'string') return value;
  const m = ENV_REF.exec(value);
  if (!m) return value;
  return env[m[1]] ?? m[2] ?? '';
}

/** The two documented topologies: (a) no variable set, (b) the exporter switch named in the doc. */
function topologies(): Array<[string, Record<string, string>]> {
  const switchTo = /VERDICT_OTELCOL_EXPORTER=([\w/]+)/.exec(DOC)?.[1];
  expect(switchTo).toBeDefined();
  return [
    ['a', {}],
    ['b', { VERDICT_OTELCOL_EXPORTER: switchTo! }],
  ];
}

describe.skipIf(!YAML)('otel-collector.yaml', () => {
  const config = () => YAML!.parse(CONFIG_TEXT, { uniqueKeys: true, strict: true }) as Config;

  it('parses, with no duplicate keys', () => {
    expect(config()).toMatchObject({ receivers: expect.any(Object), exporters: expect.any(Object), service: { pipelines: expect.any(Object) } });
  });

  it('names only component types that docs/otel-collector.md lists from the otelcol-contrib manifest', () => {
    const documented = new Set(docTable('components').map(([kind, type]) => `${kind}:${type}`));
    expect(documented.size).toBeGreaterThan(0);
    for (const row of docTable('components')) expect(row[2]).toMatch(/^(go\.opentelemetry\.io\/collector|github\.com\/open-telemetry\/opentelemetry-collector-contrib)\//);
    const c = config();
    const used: string[] = [];
    for (const section of Object.keys(KINDS) as Section[]) {
      for (const id of Object.keys(c[section] ?? {})) used.push(`${KINDS[section]}:${id.split('/')[0]}`);
    }
    expect(used.filter((u) => !documented.has(u))).toEqual([]);
    // And the table lists nothing the file does not use.
    expect([...documented].filter((d) => !used.includes(d))).toEqual([]);
  });

  it.each(topologies())('topology (%s) references only defined components', (_name, env) => {
    const c = config();
    for (const id of (c.service.extensions ?? []).map((v) => resolve(v, env) as string)) expect(Object.keys(c.extensions)).toContain(id);
    for (const pipeline of Object.values(c.service.pipelines)) {
      for (const [key, section] of [['receivers', 'receivers'], ['processors', 'processors'], ['exporters', 'exporters']] as const) {
        for (const id of (pipeline[key] ?? []).map((v) => resolve(v, env) as string)) expect(Object.keys(c[section])).toContain(id);
      }
    }
  });

  it('every defined component is used by one of the two topologies', () => {
    const c = config();
    const used = new Set<string>();
    for (const [, env] of topologies()) {
      for (const v of c.service.extensions ?? []) used.add(`extensions:${resolve(v, env)}`);
      for (const pipeline of Object.values(c.service.pipelines)) {
        for (const key of ['receivers', 'processors', 'exporters'] as const) for (const v of pipeline[key] ?? []) used.add(`${key}:${resolve(v, env)}`);
      }
    }
    for (const section of Object.keys(KINDS) as Section[]) for (const id of Object.keys(c[section] ?? {})) expect(used).toContain(`${section}:${id}`);
  });

  it('(a) forwards OTLP/gRPC to Verdict with a persistent queue, retries and batches Verdict accepts', () => {
    const c = config();
    const [, env] = topologies()[0];
    const exporterId = resolve(c.service.pipelines.traces.exporters![0], env) as string;
    expect(exporterId.split('/')[0]).toBe('otlp_grpc');
    const exporter = c.exporters[exporterId] as Record<string, any>;
    // The port the doc tells Verdict to listen on.
    const port = /--otlp-grpc-port (\d+)/.exec(DOC)?.[1];
    expect(resolve(exporter.endpoint, env)).toBe(`127.0.0.1:${port}`);
    expect(exporter.tls).toEqual({ insecure: true });
    expect(exporter.compression).toBe('gzip');
    expect(exporter.retry_on_failure).toMatchObject({ enabled: true, max_elapsed_time: '0s' });
    expect(c.service.extensions).toContain(exporter.sending_queue.storage);
    expect(c.extensions[exporter.sending_queue.storage]).toMatchObject({ fsync: true, create_directory: true });
    expect(exporter.sending_queue.batch.sizer).toBe('bytes');
    expect(exporter.sending_queue.batch.max_size).toBeLessThan(DEFAULT_CONFIG.maxBodyBytes);
  });

  it('gives every ${env:…} reference a default, so the collector logs no unset-variable warning at start', () => {
    const refs = [...CONFIG_TEXT.matchAll(/\$\{env:([A-Z_][A-Z0-9_]*)(:-[^}]*)?\}/g)].filter((m) => !/^\s*#/.test(CONFIG_TEXT.slice(CONFIG_TEXT.lastIndexOf('\n', m.index) + 1, m.index)));
    expect(refs.length).toBeGreaterThan(5);
    expect(refs.filter((m) => m[2] === undefined).map((m) => m[1])).toEqual([]);
  });

  it('keeps the queue where the packaged collector may write: its own state directory, as docs/otel-collector.md shows', () => {
    const storage = config().extensions['file_storage/queue']!;
    const dir = resolve(storage.directory, {}) as string;
    // The .deb/.rpm create /var/lib/otelcol-contrib for their user; the container gets a volume mounted there.
    expect(dir.startsWith('/var/lib/otelcol-contrib/')).toBe(true);
    expect(storage.create_directory).toBe(true);
    expect(DOC).toContain('-v otelcol-queue:/var/lib/otelcol-contrib');
    expect(DOC).toContain('chown 10001:10001');
    expect(resolve(storage.directory, { OTELCOL_QUEUE_DIR: '/data/q' })).toBe('/data/q');
  });

  it('(b) inserts into Verdict’s otel_traces without touching the schema', () => {
    const c = config();
    const [, env] = topologies()[1];
    const exporterId = resolve(c.service.pipelines.traces.exporters![0], env) as string;
    expect(exporterId.split('/')[0]).toBe('clickhouse');
    const exporter = c.exporters[exporterId] as Record<string, unknown>;
    expect(exporter.create_schema).toBe(false);
    expect(exporter.traces_table_name).toBe('otel_traces');
    expect(exporter.json).toBeUndefined();
    expect(resolve(exporter.database, env)).toBe(DEFAULT_CONFIG.clickhouseDatabase);
  });
});

describe('the ClickHouse exporter writing into Verdict’s otel_traces (topology b)', () => {
  let c: RunningCollector;
  beforeAll(async () => {
    c = await startTestCollector();
  });
  afterAll(async () => {
    await c?.close();
  });

  const exporterColumns = docTable('exporter-columns');

  it('has every column of the exporter’s INSERT, with the exporter’s types, and no other ordinary column', async () => {
    expect(exporterColumns).toHaveLength(22);
    const described = await rows(c, 'DESCRIBE TABLE otel_traces SETTINGS describe_compact_output = 0');
    const ordinary = described.filter((col) => col.default_type === '').map((col) => [col.name, col.type]);
    expect(ordinary).toEqual(exporterColumns);
  });

  it('takes an INSERT with exactly the exporter’s column list; derived columns, trace lookup and rollups follow', async () => {
    const columns = exporterColumns.map(([name]) => (name.includes('.') ? `\`${name}\`` : name)).join(', ');
    // Values as the exporter sends them: ServiceName from the resource, kind and status as words.
    await c.store.client.command({
      query: `INSERT INTO otel_traces (${columns}) VALUES (
        '2026-01-02 03:04:05.123456789', 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', '0102030405060708', '', '',
        'POST /chat', 'Server', 'from-exporter',
        map('service.name', 'from-exporter', 'service.version', '3.1.0', 'deployment.environment.name', 'canary'),
        'io.opentelemetry.flask', '0.1',
        map('session.id', 's-9', 'enduser.id', 'u-9', 'gen_ai.usage.input_tokens', '10', 'gen_ai.usage.output_tokens', '4'),
        250000000, 'Error', 'boom',
        ['2026-01-02 03:04:05.200000000'], ['exception'], [map('exception.message', 'boom')],
        [], [], [], [])`,
    });
    expect(
      await rows(
        c,
        `SELECT AppVersion, Environment, SessionId, UserId, InputTokens, OutputTokens, IsRequest
         FROM otel_traces WHERE ServiceName = 'from-exporter'`,
      ),
    ).toEqual([{ AppVersion: '3.1.0', Environment: 'canary', SessionId: 's-9', UserId: 'u-9', InputTokens: 10, OutputTokens: 4, IsRequest: 1 }]);
    expect(await rows(c, "SELECT toString(min(Start)) AS s FROM otel_traces_trace_id_ts WHERE TraceId = 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'")).toEqual([
      { s: '2026-01-02 03:04:05' },
    ]);
    expect(
      await rows(
        c,
        `SELECT AppVersion, Environment, sum(Requests) AS requests, sum(Errors) AS errors
         FROM verdict_rollup_1m WHERE ServiceName = 'from-exporter' GROUP BY AppVersion, Environment`,
      ),
    ).toEqual([{ AppVersion: '3.1.0', Environment: 'canary', requests: 1, errors: 1 }]);
    expect(await rows(c, "SELECT count() AS n FROM verdict_traces WHERE TraceId = 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'")).toEqual([{ n: 1 }]);
  });
});
