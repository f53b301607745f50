// The official @clickhouse/client against the embedded store's ClickHouse endpoint, as a user
// would point it at a ClickHouse server: query in JSONEachRow and JSON, a streamed answer,
// query parameters, ping, gzip; a write, a DDL statement and a host-revealing function refused
// with the client's own ClickHouseError carrying ClickHouse's code and type; and the HTTP
// interface's own conventions (GET /?query=, FORMAT, default_format, X-ClickHouse-Format,
// X-ClickHouse-Key, database, settings a read-only user may not change).
import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../service/start.js';
import { loadConfig } from '../store/config.js';
import { newDataDir } from './helpers/collector-process.js';
import { postOtlp } from './helpers/in-process-collector.js';
import { otlpJsonRequest } from './helpers/otlp-json.js';

const READ_KEY = 'client-read-key-0123456789abcdef';
const INGEST_KEY = 'client-ingest-key-0123456789abcdef';
let c: RunningCollector;
let client: ClickHouseClient;

beforeAll(async () => {
  c = await startCollector(
    loadConfig({ VERDICT_READ_KEYS: READ_KEY, VERDICT_INGEST_KEYS: INGEST_KEY }, { 'data-dir': newDataDir(), 'otlp-http-port': '0', 'otlp-grpc-port': '0', 'api-port': '0', 'clickhouse-http-port': '0' }),
  );
  const res = await postOtlp(c, otlpJsonRequest({ service: 'client-svc', name: 'op', count: 30 }), { 'content-type': 'application/json', 'x-verdict-api-key': INGEST_KEY });
  expect(res.status).toBe(200);
  await c.inserter.flush();
  // The refusals below are expected: the client need not log them.
  client = createClient({ url: c.clickhouseHttpUrl, username: 'default', password: READ_KEY, compression: { response: true }, log: { level: ClickHouseLogLevel.OFF } });
});
afterAll(async () => {
  await client?.close();
  await c?.close();
});

async function refusal(run: () => Promise<unknown>): Promise<ClickHouseError> {
  const err = await run().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ClickHouseError);
  return err as ClickHouseError;
}

describe('@clickhouse/client against the embedded store', () => {
  it('queries in JSONEachRow and JSON, with query parameters', async () => {
    const rows = await (await client.query({ query: 'SELECT SpanName AS name, count() AS n FROM otel_traces WHERE ServiceName = {svc:String} GROUP BY name', query_params: { svc: 'client-svc' }, format: 'JSONEachRow' })).json();
    expect(rows).toEqual([{ name: 'op', n: 30 }]);
    const json = await (await client.query({ query: 'SELECT {a:Array(String)} AS a, {t:DateTime} AS t', query_params: { a: ["it's", 'b\\c'], t: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) }, format: 'JSON' })).json<{ a: string[]; t: string }>();
    expect(json.data).toEqual([{ a: ["it's", 'b\\c'], t: '2026-01-02 03:04:05' }]);
    expect(json.meta).toEqual([{ name: 'a', type: 'Array(String)' }, { name: 't', type: "DateTime" }]);
    expect((await client.ping()).success).toBe(true);
  });

  it('streams a large answer row by row', async () => {
    const result = await client.query({ query: 'SELECT number FROM numbers(300000)', format: 'JSONEachRow' });
    let count = 0;
    let last = -1;
    for await (const rows of result.stream<{ number: number }>()) {
      for (const row of rows) {
        last = row.json().number;
        count++;
      }
    }
    expect([count, last]).toEqual([300000, 299999]);
  });

  it('refuses writes, DDL and host-revealing functions with ClickHouseError (READONLY, ACCESS_DENIED)', async () => {
    const insert = await refusal(() => client.insert({ table: 'otel_traces', values: [{ SpanName: 'x' }], format: 'JSONEachRow' }));
    expect([insert.code, insert.type]).toEqual(['164', 'READONLY']);
    const drop = await refusal(() => client.command({ query: 'DROP TABLE otel_traces' }));
    expect([drop.code, drop.type]).toEqual(['164', 'READONLY']);
    const host = await refusal(() => client.query({ query: 'SELECT hostName()', format: 'JSONEachRow' }));
    expect([host.code, host.type]).toEqual(['497', 'ACCESS_DENIED']);
    const setting = await refusal(() => client.query({ query: 'SELECT 1', format: 'JSONEachRow', clickhouse_settings: { max_memory_usage: '999999999999' } }));
    expect([setting.code, setting.type]).toEqual(['164', 'READONLY']);
    expect((await (await client.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' })).json())).toEqual([{ n: 30 }]);
  });

  it('refuses a client without a read key, as ClickHouse refuses a wrong password', async () => {
    const stranger = createClient({ url: c.clickhouseHttpUrl, username: 'default', password: 'not-a-key-of-this-collector', log: { level: ClickHouseLogLevel.OFF } });
    const err = await refusal(() => stranger.query({ query: 'SELECT 1', format: 'JSONEachRow' }));
    expect(err.type).toBe('AUTHENTICATION_FAILED');
    await stranger.close();
  });

  it('speaks the HTTP interface: GET /?query=, FORMAT, default_format, X-ClickHouse-Format, X-ClickHouse-Key, database, gzip', async () => {
    const key = { 'x-clickhouse-key': READ_KEY };
    const get = await fetch(`${c.clickhouseHttpUrl}/?query=${encodeURIComponent('SELECT 1 AS one, \'a\' AS s FORMAT CSVWithNames')}`, { headers: key });
    expect([get.status, get.headers.get('x-clickhouse-format'), await get.text()]).toEqual([200, 'CSVWithNames', '"one","s"\n1,"a"\n']);
    const byDefault = await fetch(`${c.clickhouseHttpUrl}/?default_format=JSONEachRow`, { method: 'POST', headers: key, body: 'SELECT 2 AS two' });
    expect(await byDefault.text()).toBe('{"two":2}\n');
    const byHeader = await fetch(`${c.clickhouseHttpUrl}/`, { method: 'POST', headers: { ...key, 'x-clickhouse-format': 'TSVWithNames' }, body: 'SELECT 3 AS three' });
    expect(await byHeader.text()).toBe('three\n3\n');
    const plain = await fetch(`${c.clickhouseHttpUrl}/?database=default`, { method: 'POST', headers: key, body: "SELECT count() FROM otel_traces WHERE ServiceName = 'client-svc'" });
    expect([plain.headers.get('content-type'), await plain.text()]).toEqual(['text/tab-separated-values; charset=UTF-8', '30\n']);
    const systemDb = await fetch(`${c.clickhouseHttpUrl}/?database=system`, { method: 'POST', headers: key, body: 'SELECT path FROM disks' });
    expect([systemDb.status, systemDb.headers.get('x-clickhouse-exception-code')]).toEqual([403, '497']);
    const gzip = await fetch(`${c.clickhouseHttpUrl}/?query=${encodeURIComponent('SELECT 4')}`, { headers: { ...key, 'accept-encoding': 'gzip' } });
    expect([gzip.headers.get('content-encoding'), await gzip.text()]).toEqual(['gzip', '4\n']);
    const noKey = await fetch(`${c.clickhouseHttpUrl}/?query=${encodeURIComponent('SELECT 5')}`);
    expect([noKey.status, noKey.headers.get('x-clickhouse-exception-code')]).toEqual([401, '194']);
    expect(await (await fetch(`${c.clickhouseHttpUrl}/ping`)).text()).toBe('Ok.\n');
  });
});
