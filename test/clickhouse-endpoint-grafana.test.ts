// Grafana's ClickHouse plugin (v4.20, HTTP mode) against the embedded store's ClickHouse endpoint,
// with no ClickHouse server: each request is replayed as the plugin's clickhouse-go v2.47 HTTP
// transport sends it (conn_http.go: POST, the SQL as the body, default_format=Native,
// client_protocol_version=54460, max_execution_time from the query deadline, database, Basic
// auth, Accept-Encoding: gzip), and each Native answer is decoded as clickhouse-go decodes it:
// at revision 54460 for the connection handshake, then at the revision the handshake returned.
// Covered: the handshake, the health check, the schema browser (SHOW DATABASES, SHOW TABLES,
// DESC TABLE, system.columns, system.functions), a dashboard panel, a trace lookup by id with the
// plugin's named-tuple casts, and a refused statement in ClickHouse's error format.
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../service/start.js';
import { loadConfig } from '../store/config.js';
import { newDataDir } from './helpers/collector-process.js';
import { postOtlp } from './helpers/in-process-collector.js';
import { decodeNative, nativeRows } from './helpers/native-decoder.js';

const READ_KEY = 'grafana-read-key-0123456789abcdef';
const INGEST_KEY = 'grafana-ingest-key-0123456789abcdef';
/** clickhouse-go's ClientTCPProtocolVersion (lib/proto/const.go, DBMS_TCP_PROTOCOL_VERSION). */
const CLIENT_PROTOCOL_VERSION = 54460;
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);
const TRACE_ID = '5b8efff798038103d269b633813fc60c';

let c: RunningCollector;
beforeAll(async () => {
  c = await startCollector(
    loadConfig(
      { VERDICT_READ_KEYS: READ_KEY, VERDICT_INGEST_KEYS: INGEST_KEY },
      { 'data-dir': newDataDir(), 'otlp-http-port': '0', 'otlp-grpc-port': '0', 'api-port': '0', 'clickhouse-http-port': '0', 'display-name': 'verdict-under-grafana' },
    ),
  );
  const nano = (ms: number) => String(BigInt(T0 + ms) * 1_000_000n);
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'shop'), str('service.version', '2.0.0'), str('deployment.environment.name', 'production')] },
        scopeSpans: [
          {
            scope: { name: 'checkout-instrumentation' },
            spans: [
              { traceId: TRACE_ID, spanId: '00000000000000a1', name: 'GET /checkout', kind: 2, startTimeUnixNano: nano(0), endTimeUnixNano: nano(250), attributes: [str('http.route', '/checkout')] },
              {
                traceId: TRACE_ID,
                spanId: '00000000000000a2',
                parentSpanId: '00000000000000a1',
                name: 'chat gpt-4o',
                kind: 3,
                startTimeUnixNano: nano(10),
                endTimeUnixNano: nano(210),
                attributes: [str('gen_ai.request.model', 'gpt-4o')],
                events: [{ timeUnixNano: nano(20), name: 'retry', attributes: [str('attempt', '2')] }],
                status: { code: 2, message: 'rate limited' },
              },
            ],
          },
        ],
      },
    ],
  };
  const res = await postOtlp(c, JSON.stringify(body), { 'content-type': 'application/json', 'x-verdict-api-key': INGEST_KEY });
  expect(res.status).toBe(200);
  await c.inserter.flush();
});
afterAll(async () => {
  await c?.close();
});

interface GoResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One request as clickhouse-go's HTTP transport sends it: the URL's parameters sorted by name
 * (Go's url.Values.Encode), Basic auth from the URL's user info, gzip accepted, the SQL as the body.
 */
function goRequest(sql: string, settings: Record<string, string> = {}, key = READ_KEY): Promise<GoResponse> {
  const params = { database: 'default', default_format: 'Native', client_protocol_version: String(CLIENT_PROTOCOL_VERSION), ...settings };
  const query = Object.keys(params).sort().map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k as keyof typeof params])}`).join('&');
  const url = new URL(`/?${query}`, c.clickhouseHttpUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: {
        'user-agent': 'clickhouse-go/2.47.0 (database/sql; lv:go/1.24.4; os:linux) grafana/12.1.0 clickhouse-datasource/4.20.0',
        authorization: `Basic ${Buffer.from(`grafana:${key}`).toString('base64')}`,
        'accept-encoding': 'gzip',
        'content-length': Buffer.byteLength(sql),
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        // clickhouse-go decompresses only what the server says it compressed.
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(sql);
  });
}

/** The revision clickhouse-go decodes with after the handshake: what `revision()` answered. */
let revision = 0;

async function rowsOf(sql: string, settings?: Record<string, string>): Promise<Record<string, unknown>[]> {
  const res = await goRequest(sql, settings);
  expect(res.status, res.body.toString()).toBe(200);
  expect(res.headers['content-encoding']).toBe('gzip');
  return nativeRows(decodeNative(res.body, revision));
}

describe('Grafana ClickHouse plugin, HTTP mode, against the embedded store', () => {
  it('connects: the handshake answers the configured display name, a version, a revision and a time zone at revision 54460', async () => {
    // conn_http.go queryHello, on every new connection.
    const res = await goRequest('SELECT displayName(), version(), revision(), timezone()');
    expect(res.status).toBe(200);
    const [block] = decodeNative(res.body, CLIENT_PROTOCOL_VERSION);
    expect(block.columns.map((col) => col.type)).toEqual(['String', 'String', 'UInt32', 'String']);
    const [displayName, version, rev, tz] = block.columns.map((col) => col.values[0]);
    expect(displayName).toBe('verdict-under-grafana');
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(rev).toBeGreaterThanOrEqual(CLIENT_PROTOCOL_VERSION);
    expect(tz).toMatch(/UTC/);
    revision = rev as number;
  });

  it('passes the health check (SELECT 1, whose column clickhouse-go expects to be named 1)', async () => {
    const res = await goRequest('SELECT 1', { max_execution_time: '65' });
    const [block] = decodeNative(res.body, revision);
    expect(block.columns).toEqual([{ name: '1', type: 'UInt8', values: [1] }]);
  });

  it('browses the schema: SHOW DATABASES, SHOW TABLES FROM "default", DESC TABLE, system.columns, system.functions', async () => {
    expect((await rowsOf('SHOW DATABASES')).map((r) => r.name)).toEqual(expect.arrayContaining(['default', 'system']));
    expect((await rowsOf('SHOW TABLES FROM "default"')).map((r) => r.name)).toEqual(expect.arrayContaining(['otel_traces', 'otel_traces_trace_id_ts', 'verdict_rollup_1m']));
    const described = await rowsOf('DESC TABLE "default"."otel_traces"');
    expect(described.find((r) => r.name === 'SpanAttributes')).toMatchObject({ type: 'Map(LowCardinality(String), String)' });
    expect(described.find((r) => r.name === 'AppVersion')).toMatchObject({ type: 'LowCardinality(String)', default_type: 'MATERIALIZED' });
    const columns = await rowsOf("SELECT name, type, table FROM system.columns WHERE database IN ('default') AND table = 'otel_traces'");
    expect(columns).toEqual(expect.arrayContaining([{ name: 'Timestamp', type: "DateTime64(9)", table: 'otel_traces' }]));
    const functions = await rowsOf(`
      SELECT
        name, is_aggregate, case_insensitive, alias_to, origin, description,
        syntax, arguments, returned_value, examples, categories
      FROM system.functions
      LIMIT 10000
    `);
    expect(functions.find((f) => f.name === 'quantile')).toMatchObject({ is_aggregate: 1, categories: 'Aggregate Functions' });
  });

  it('draws a dashboard panel (Requests by version, macros expanded as pkg/macros/macros.go does)', async () => {
    const from = T0 / 1000 - 1800;
    const to = T0 / 1000 + 3600;
    const rows = await rowsOf(
      `SELECT     toStartOfInterval(toDateTime(Minute), INTERVAL 60 second) AS time,     AppVersion AS version,     sum(Requests) AS requests FROM verdict_rollup_1m ` +
        `WHERE Minute >= toDateTime(${from}) AND Minute <= toDateTime(${to}) AND ServiceName = 'shop' AND Environment = 'production' AND AppVersion IN ('2.0.0') GROUP BY time, version ORDER BY time, version`,
      { max_execution_time: '65' },
    );
    expect(rows).toEqual([{ time: new Date(T0), version: '2.0.0', requests: 1n }]);
  });

  it('looks up a trace by id with the plugin\'s OTel query (named-tuple casts, trace_id_ts narrowing)', async () => {
    // src/data/sqlGenerator.ts generateTraceIdQuery with the OTel column map of src/otel.ts, as its
    // own test (sqlGenerator.test.ts, "generates trace ID query … flatten nested disabled") spells it.
    const sql = [
      `WITH '${TRACE_ID}' as trace_id, (SELECT min(Start) FROM "default"."otel_traces_trace_id_ts" WHERE TraceId = trace_id) as trace_start,`,
      `(SELECT max(End) + 1 FROM "default"."otel_traces_trace_id_ts" WHERE TraceId = trace_id) as trace_end`,
      'SELECT "TraceId" as traceID, "SpanId" as spanID, "ParentSpanId" as parentSpanID,',
      '"ServiceName" as serviceName, "SpanName" as operationName, multiply(toUnixTimestamp64Nano("Timestamp"), 0.000001) as startTime,',
      'multiply("Duration", 0.000001) as duration,',
      `arrayMap(key -> map('key', key, 'value',"SpanAttributes"[key]),`,
      `mapKeys("SpanAttributes")) as tags,`,
      `arrayMap(key -> map('key', key, 'value',"ResourceAttributes"[key]), mapKeys("ResourceAttributes")) as serviceTags,`,
      `if("StatusCode" IN ('Error', 'STATUS_CODE_ERROR'), 2, 0) as statusCode,`,
      `arrayMap((name, timestamp, attributes) -> tuple(name, toString(toUnixTimestamp64Milli(timestamp)), arrayMap(key -> map('key', key, 'value', attributes[key]), mapKeys(attributes)))::Tuple(name String, timestamp String, fields Array(Map(String, String))), "Events".Name, "Events".Timestamp, "Events".Attributes) AS logs,`,
      `arrayMap((traceID, spanID, attributes) -> tuple(traceID, spanID, arrayMap(key -> map('key', key, 'value', attributes[key]), mapKeys(attributes)))::Tuple(traceID String, spanID String, tags Array(Map(String, String))), "Links".TraceId, "Links".SpanId, "Links".Attributes) AS references,`,
      '"SpanKind" as kind,',
      '"StatusMessage" as statusMessage,',
      '"TraceState" as traceState',
      `FROM "default"."otel_traces" WHERE traceID = trace_id AND "Timestamp" >= trace_start AND "Timestamp" <= trace_end`,
    ].join(' ');
    const res = await goRequest(sql, { max_execution_time: '65' });
    expect(res.status, res.body.toString()).toBe(200);
    const blocks = decodeNative(res.body, revision);
    expect(blocks[0].columns.find((col) => col.name === 'logs')?.type).toBe('Array(Tuple(name String, timestamp String, fields Array(Map(String, String))))');
    const spans = nativeRows(blocks).sort((a, b) => String(a.spanID).localeCompare(String(b.spanID)));
    expect(spans).toEqual([
      {
        traceID: TRACE_ID,
        spanID: '00000000000000a1',
        parentSpanID: '',
        serviceName: 'shop',
        operationName: 'GET /checkout',
        startTime: T0,
        duration: 250,
        tags: [{ key: 'http.route', value: '/checkout' }],
        serviceTags: expect.arrayContaining([{ key: 'service.version', value: '2.0.0' }]),
        statusCode: 0,
        logs: [],
        references: [],
        kind: 'Server',
        statusMessage: '',
        traceState: '',
      },
      {
        traceID: TRACE_ID,
        spanID: '00000000000000a2',
        parentSpanID: '00000000000000a1',
        serviceName: 'shop',
        operationName: 'chat gpt-4o',
        startTime: expect.closeTo(T0 + 10, 3),
        duration: 200,
        tags: [{ key: 'gen_ai.request.model', value: 'gpt-4o' }],
        serviceTags: expect.arrayContaining([{ key: 'service.name', value: 'shop' }]),
        statusCode: 2,
        logs: [['retry', String(T0 + 20), [{ key: 'attempt', value: '2' }]]],
        references: [],
        kind: 'Client',
        statusMessage: 'rate limited',
        traceState: '',
      },
    ]);
  });

  it('answers a refused statement and a wrong key in ClickHouse\'s error format (clickhouse-go shows the body)', async () => {
    const refused = await goRequest('SELECT hostName()');
    expect(refused.status).toBe(403);
    expect(refused.headers['x-clickhouse-exception-code']).toBe('497');
    expect(refused.body.toString()).toMatch(/^Code: 497\. DB::Exception: function hostName\(\) is not available in readonly mode.*\(ACCESS_DENIED\)\n$/s);
    const write = await goRequest('INSERT INTO otel_traces (SpanName) VALUES (\'x\')');
    expect(write.headers['x-clickhouse-exception-code']).toBe('164');
    const wrongKey = await goRequest('SELECT 1', {}, 'not-a-key-of-this-collector-at-all');
    expect(wrongKey.status).toBe(403);
    expect(wrongKey.body.toString()).toMatch(/\(AUTHENTICATION_FAILED\)/);
    const ingestKey = await goRequest('SELECT 1', {}, INGEST_KEY);
    expect(ingestKey.status).toBe(403);
  });
});
