// A ClickHouse-speaking HTTP endpoint for tests of the server placement: the subset of the
// ClickHouse HTTP interface that @clickhouse/client uses, executed by a real engine (chDB, in this
// process). Only the outage is simulated: POST /__test/mode?mode=fail makes every query fail with
// a 503 until mode=ok; killing the process is a real outage.
// Run: node dist/test/helpers/clickhouse-http-double.js <data-dir> — prints "listening <port>".
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Session } from 'chdb';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: clickhouse-http-double <data-dir> [port]');
mkdirSync(join(dataDir, 'uploads'), { recursive: true });
// Read-only requests get their own session: a setting applied on a session outlives the query.
const rw = new Session(join(dataDir, 'engine'));
const ro = new Session(join(dataDir, 'engine'));
let mode: 'ok' | 'fail' = 'ok';
let uploads = 0;
const KNOWN_PARAMS = new Set(['query_id', 'database', 'query', 'session_id', 'role', 'default_format']);

/** Values arrive escaped as in the TSV format (how the client sends query parameters). */
function unescape(v: string): string {
  return v.replace(/\\(.)/g, (_m, c: string) => ({ t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', f: '\f' })[c] ?? c);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  try {
    if (url.pathname === '/__test/mode') {
      mode = url.searchParams.get('mode') === 'fail' ? 'fail' : 'ok';
      res.end(mode);
      return;
    }
    if (url.pathname === '/ping') {
      res.end('Ok.\n');
      return;
    }
    const body = await readBody(req);
    if (mode === 'fail') {
      res.writeHead(503, { 'x-clickhouse-exception-code': '242' });
      res.end('Code: 242. DB::Exception: Table is in readonly mode (test outage). (TABLE_IS_READ_ONLY)');
      return;
    }
    const params: Record<string, string> = {};
    const settings: [string, string][] = [];
    for (const [k, v] of url.searchParams) {
      if (k.startsWith('param_')) params[k.slice(6)] = unescape(v);
      else if (!KNOWN_PARAMS.has(k)) settings.push([k, v]);
    }
    // Settings are per request on a server but stick to a chDB session: requests that carry them
    // (only the read-only path does) run on the second session, with readonly applied last.
    const readonly = settings.some(([k, v]) => k === 'readonly' && v !== '0');
    if (settings.length > 0 && !readonly) throw new Error('test double: settings are only supported with readonly');
    let sql = url.searchParams.get('query') ?? body.toString('utf8');
    if (url.searchParams.has('query') && body.length > 0) {
      // INSERT … FORMAT RowBinary with the rows as the body: binary cannot travel in chDB's query
      // text, so the engine reads them from a file, as Verdict's embedded placement does.
      const m = /FORMAT\s+RowBinary\s*$/i.exec(sql);
      if (!m) {
        // Text formats (JSONEachRow, …) can follow the statement inline.
        await run(rw, `${sql}\n${body.toString('utf8')}`, params);
        res.end();
        return;
      }
      const file = join(dataDir, 'uploads', `${++uploads}.rb`);
      writeFileSync(file, body);
      sql = `${sql.slice(0, m.index)} SELECT * FROM file('${file}', 'RowBinary') SETTINGS use_structure_from_insertion_table_in_table_functions = 1`;
      try {
        await run(rw, sql, params);
      } finally {
        rmSync(file, { force: true });
      }
      res.end();
      return;
    }
    if (readonly) {
      for (const [k, v] of [...settings.filter(([k]) => k !== 'readonly'), ['readonly', '1']]) {
        if (!/^[a-z_0-9]+$/i.test(k) || !/^[\w.-]*$/.test(v)) throw new Error(`test double: unsupported setting ${k}=${v}`);
        await ro.queryAsync(`SET ${k} = '${v}'`);
      }
    }
    const out = await run(readonly ? ro : rw, sql, params, url.searchParams.get('default_format') ?? undefined);
    res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-summary': '{}' });
    res.end(out);
  } catch (err) {
    const message = (err as Error).message;
    const code = /Code: (\d+)/.exec(message)?.[1] ?? '1000';
    res.writeHead(500, { 'x-clickhouse-exception-code': code });
    res.end(message.startsWith('Code:') ? message : `Code: ${code}. DB::Exception: ${message}`);
  }
});

async function run(session: Session, sql: string, params: Record<string, string>, format = 'TabSeparated'): Promise<Buffer> {
  // As on a server, a FORMAT clause in the query wins over the default format.
  const result = Object.keys(params).length > 0 ? await session.queryBindAsync(sql, params, { format }) : await session.queryAsync(sql, { format });
  return Buffer.from(result.bytes());
}

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  rw.close();
  ro.close();
  process.exit(0);
});
