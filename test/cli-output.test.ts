// What `verdict` prints for people, and that it stays out of machines' way. Tables carry a unit on
// every number, right-align numbers, cut 40-digit commits to 12 and cut text (never numbers) to the
// terminal's width; verdicts are coloured only on a terminal or with FORCE_COLOR, never with NO_COLOR
// or --no-color, and --json is byte for byte the same either way. error-rate and latency answer from
// the CLI, versions takes --filter, and a filter that matches nothing says which condition and what
// exists instead (nearest values or attribute keys), on stderr, through the API and from the folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAIN, renderTable, terminalOutput, verdict } from '../cli/format.js';
import { startCollectorProcess, type CollectorProcess } from './helpers/collector-process.js';
import { runCli } from './helpers/run-cli.js';

const ESC = '\u001b[';
const T0_NS = BigInt(Date.UTC(2026, 0, 5)) * 1_000_000n;
const COMMIT = 'abcdef0123456789abcdef0123456789abcdef01';

describe('tables for people', () => {
  const rows = [
    { name: 'POST /checkout with a very long span name indeed', p50: '7.7 ms', error_rate: '5.00 %', version: '1.2.0' },
    { name: 'GET /', p50: '123.4 ms', error_rate: '15.00 %', version: '1.10.0' },
  ];
  const columns = ['name', 'p50', 'error_rate', 'version'];

  it('right-aligns numbers with their units, and leaves text and versions left-aligned', () => {
    const lines = renderTable(columns, rows).split('\n');
    expect(lines[0]).toBe('name                                                   p50  error_rate  version');
    expect(lines[2]).toBe('POST /checkout with a very long span name indeed    7.7 ms      5.00 %  1.2.0');
    expect(lines[3]).toBe('GET /                                             123.4 ms     15.00 %  1.10.0');
  });

  it('fits rows to the terminal width by cutting text columns, never numbers', () => {
    const lines = renderTable(columns, rows, { ...PLAIN, width: 50 }).split('\n').slice(0, 4);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(50);
    expect(lines[2]).toMatch(/^POST \/checkout wit…\s+7\.7 ms\s+5\.00 %\s+1\.2\.0$/);
    expect(lines[3]).toMatch(/^GET \/\s+123\.4 ms\s+15\.00 %\s+1\.10\.0$/);
    // Without a terminal (width unknown) nothing is cut.
    expect(renderTable(columns, rows)).toContain('with a very long span name indeed');
  });

  it('colours only a terminal, and never with NO_COLOR or --no-color', () => {
    const worse = (out: ReturnType<typeof terminalOutput>) => renderTable(['verdict'], [{ verdict: verdict('worse', out) }], out);
    expect(worse(terminalOutput({ isTTY: true, columns: 100 }, {}))).toContain(`${ESC}31m`);
    expect(worse(terminalOutput({ isTTY: false }, {}))).not.toContain(ESC);
    expect(worse(terminalOutput({ isTTY: true }, { NO_COLOR: '1' }))).not.toContain(ESC);
    expect(worse(terminalOutput({ isTTY: true }, {}, false))).not.toContain(ESC);
    expect(worse(terminalOutput({ isTTY: false }, { FORCE_COLOR: '1' }))).toContain(`${ESC}31m`);
    // Colour goes on after padding: the visible columns line up as without it.
    expect(worse(terminalOutput({ isTTY: true }, {})).replace(/\u001b\[\d+m/g, '')).toBe(worse(PLAIN));
    expect(terminalOutput({ isTTY: true, columns: 123 }, {}).width).toBe(123);
    expect(terminalOutput({ isTTY: false }, {}).width).toBeUndefined();
  });
});

function otlp(version: string, requests: number, errors: number, latencyMs: number, offset: number): unknown {
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  const spans = Array.from({ length: requests }, (_, i) => {
    const start = T0_NS + BigInt(i) * 60_000_000_000n + BigInt(offset);
    return {
      traceId: hex(offset + i + 1, 32),
      spanId: hex(offset + i + 1, 16),
      name: 'POST /checkout',
      kind: 2,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + BigInt(Math.round(latencyMs * (0.5 + (i % 10) / 10) * 1e6))).toString(),
      attributes: [{ key: 'flavor', value: { stringValue: 'vanilla' } }],
      status: i < errors ? { code: 2, message: 'declined' } : { code: 1 },
    };
  });
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  return {
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', 'shop'), attr('service.version', version), attr('deployment.environment.name', 'production'), attr('vcs.ref.head.revision', COMMIT)] },
        scopeSpans: [{ spans }],
      },
    ],
  };
}

describe('verdict commands', () => {
  let c: CollectorProcess;
  let api: string[];
  const scope = ['--service', 'shop', '--env', 'production', '--from', '2026-01-01', '--to', '2026-02-01'];

  beforeAll(async () => {
    c = await startCollectorProcess();
    api = ['--api', c.apiUrl];
    for (const doc of [otlp('1.0.0', 200, 4, 100, 0), otlp('1.1.0', 200, 40, 150, 10_000)]) {
      const res = await fetch(`${c.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
      expect(res.status).toBe(200);
    }
    await c.flush();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('versions: a unit on every number and 12-character commits', async () => {
    const r = await runCli(['versions', ...api, ...scope]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^service +environment +version +commits +first_seen +last_seen +requests +error_rate +p50 +p95 +cost\/req$/);
    expect(r.stdout).toMatch(/^shop +production +1\.0\.0 +abcdef012345 +\S+ +\S+ +200 +2\.00 % +\d+\.\d ms +\d+\.\d ms +\$\S+$/m);
    expect(r.stdout).toMatch(/^shop +production +1\.1\.0 +abcdef012345 +\S+ +\S+ +200 +20\.00 % +\d+\.\d ms +\d+\.\d ms +\$\S+$/m);
  });

  it('compare: verdicts in colour with FORCE_COLOR, plain when piped, with NO_COLOR or --no-color; --json unchanged', async () => {
    const args = ['compare', ...api, ...scope, '--baseline', '1.0.0', '--candidate', '1.1.0'];
    const coloured = await runCli(args, { FORCE_COLOR: '1' });
    expect(coloured.stdout).toMatch(/ \u001b\[1m\u001b\[31mworse\u001b\[39m\u001b\[22m\n/);
    expect(coloured.stdout).toContain(`${ESC}31mREGRESSION: errorRate, `);
    for (const plain of [await runCli(args), await runCli(args, { FORCE_COLOR: '1', NO_COLOR: '1' }), await runCli([...args, '--no-color'], { FORCE_COLOR: '1' })]) {
      expect(plain.stdout).not.toContain(ESC);
      expect(plain.stdout).toMatch(/errorRate +2\.00 % +20\.00 % +\+18\.00 pt +\[[\d.]+ pt, [\d.]+ pt\] +\S+ +worse/);
      expect(plain.stdout).toMatch(/latencyP50 +\d+\.\d ms +\d+\.\d ms +\+\d+\.\d ms/);
    }
    const json = await runCli([...args, '--json']);
    expect((await runCli([...args, '--json'], { FORCE_COLOR: '1' })).stdout).toBe(json.stdout);
    expect(JSON.parse(json.stdout).metrics[0]).toMatchObject({ name: 'errorRate', baseline: 0.02, candidate: 0.2, verdict: 'worse' });
  });

  it('error-rate and latency answer from the CLI, with units, and explain themselves with --help', async () => {
    const errorRate = await runCli(['error-rate', ...api, ...scope, '--bucket', '86400']);
    expect(errorRate.stdout.split('\n')[0]).toBe('buckets of 86400 s from 2026-01-01T00:00:00Z to 2026-02-01T00:00:00Z (rollup)');
    expect(errorRate.stdout).toMatch(/1\.1\.0 +2026-01-05T00:00:00Z +200 +40 +20\.00 %/);
    const latency = await runCli(['latency', ...api, ...scope, '--versions', '1.0.0']);
    expect(latency.stdout.split('\n')[0]).toMatch(/^version +requests +p50 +p90 +p95 +p99$/);
    expect(latency.stdout).toMatch(/1\.0\.0 +200 +\d+\.\d ms +\d+\.\d ms +\d+\.\d ms +\d+\.\d ms/);
    const help = await runCli(['error-rate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--bucket <n>/);
    expect(help.stdout).toMatch(/Example:\n {2}verdict error-rate /);
  });

  it('versions --filter answers from raw spans', async () => {
    const r = await runCli(['versions', ...api, ...scope, '--filter', "status = 'ERROR'", '--json']);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((v) => [v.version, v.requests, v.errors])).toEqual([
      ['1.0.0', 4, 4],
      ['1.1.0', 40, 40],
    ]);
  });

  it('a filter that matches nothing says which condition, and the nearest values or keys that exist', async () => {
    const search = await runCli(['search', ...api, ...scope, "status = 'ERROR' AND version = '1.0.1'"]);
    expect(search.code).toBe(0);
    expect(search.stdout).toMatch(/\(0 rows\)\n$/);
    expect(search.stderr).toBe(
      'no request matches the filter "status = \'ERROR\' AND version = \'1.0.1\'"\n' +
        "  version = '1.0.1' matches no request; nearest values of version: '1.0.0', '1.1.0'\n",
    );
    const versions = await runCli(['versions', ...api, ...scope, '--filter', "attributes.flavour = 'vanilla'", '--json']);
    expect(versions.stdout).toBe('');
    expect(versions.stderr).toContain("attributes.flavour = 'vanilla' matches no request: no request has the attribute 'flavour'; nearest keys: 'flavor'");
    const together = await runCli(['search', ...api, ...scope, "version = '1.0.0' AND duration_ms > 100000"]);
    expect(together.stderr).toContain("duration_ms > 100000 matches no request\n");
    const compare = await runCli(['compare', ...api, ...scope, '--baseline', '1.0.0', '--candidate-filter', "version = '1.1.0' AND flavor = 'vanilla'"]);
    expect(compare.stderr).toContain('unknown field "flavor"');
    const sides = await runCli(['compare', ...api, ...scope, '--baseline', '1.0.0', '--candidate-filter', "tags.flavor = 'strawbery'"]);
    expect(sides.stderr).toContain("tags.flavor = 'strawbery' matches no request; nearest values of tags.flavor: 'vanilla'");
  });

  it('and the same hints from the data directory when no collector runs', async () => {
    expect(await c.stop()).toBe(0);
    const local = await runCli(['search', '--data-dir', c.dataDir, ...scope, "version = '1.0.1'"]);
    expect(local.stderr).toContain("version = '1.0.1' matches no request; nearest values of version: '1.0.0', '1.1.0'");
  });
});
