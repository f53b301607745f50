// npm run bench:web — the web page in headless Chromium (the browser the tests use) over
// bench:query's data set (10M spans over 30 days, made by `npm run bench:query` in
// .verdict/bench-query): the time from navigation to a rendered compare view, and to a rendered
// over-time view (three 30-day charts with their deployment markers).
//
//   cold: the first load after a collector starts (engine caches empty; OS page cache warm) in a
//         fresh browser context (nothing cached); each view gets its own collector and context.
//   warm: the median of 5 loads after that, in the same context (assets revalidated, 304).
//
// A time runs from the start of the navigation until the view's content is in the DOM (the compare
// cards; the last chart drawn), read by the page's own clock (performance.now() starts at the
// navigation; a MutationObserver notes the moment), so it includes the shell, the bundle, the API
// calls and the rendering, but not the harness noticing it. The harness's wall time is printed too.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { PACKAGE_ROOT } from '../schema/sql-files.js';
import { launchBrowser } from '../test/helpers/browser.js';
import { startCollectorProcess } from '../test/helpers/collector-process.js';

const DIR = resolve(process.env.BENCH_DIR ?? join(PACKAGE_ROOT, '.verdict', 'bench-query'));
const WARM_RUNS = 5;
const TARGET_MS = 1000;

interface Scenario {
  name: string;
  path: string;
  /** Present once the view has rendered its answer. */
  rendered: string;
  /** The API calls behind it, timed alone for comparison. */
  api: string[];
}

const scope = 'service=chat-api&env=production';
const SCENARIOS: Scenario[] = [
  {
    name: 'compare 1.1.0 → 1.2.0 (chat-api, production)',
    path: `/?view=compare&${scope}&baseline=1.1.0&candidate=1.2.0`,
    rendered: '[data-testid=metric-card]',
    api: [`/api/compare?${scope}&baseline=1.1.0&candidate=1.2.0`],
  },
  {
    name: 'over time, 30 days (3 charts + markers)',
    path: `/?view=time&${scope}`,
    rendered: '[data-testid=chart-requests][data-ready=true]',
    api: [`/api/timeseries?${scope}`, `/api/deployments?${scope}`],
  },
];

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

// Runs in the page before its own script: notes when each watched selector first matches.
const WATCH = `window.__rendered = {};
new MutationObserver(() => {
  for (const sel of ${JSON.stringify(SCENARIOS.map((s) => s.rendered))}) {
    if (!(sel in window.__rendered) && document.querySelector(sel)) window.__rendered[sel] = performance.now();
  }
}).observe(document, { subtree: true, childList: true, attributes: true });`;

/** [page clock: navigation → rendered, harness: goto() → noticed], in ms. */
async function load(page: Page, url: string, rendered: string): Promise<[number, number]> {
  const t = performance.now();
  await page.goto(url);
  await page.locator(rendered).first().waitFor({ timeout: 60_000 });
  const wall = performance.now() - t;
  return [Number(await page.evaluate(`window.__rendered[${JSON.stringify(rendered)}]`)), wall];
}

async function apiMs(apiUrl: string, paths: string[]): Promise<number> {
  const t = performance.now();
  await Promise.all(paths.map((p) => fetch(`${apiUrl}${p}`).then((r) => r.arrayBuffer())));
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (!existsSync(join(DIR, 'bench-query.json'))) {
    process.stderr.write(`bench:web needs bench:query's data set in ${DIR}: run \`npm run bench:query\` first (about 80 s to generate, reused afterwards)\n`);
    process.exitCode = 2;
    return;
  }
  const loadAtStart = loadavg().map((l) => l.toFixed(1)).join(' ');
  const browser = await launchBrowser();
  try {
    log(`bench:web over ${DIR}, Chromium headless at 1280 × 900`);
    const rows: Array<{ name: string; cold: number; warm: number; warmWall: number; api: number }> = [];
    for (const s of SCENARIOS) rows.push(await measure(browser, s));
    log('');
    log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores (at the start: ${loadAtStart})`);
    log(`| view | warm ms | cold ms | harness wall, warm ms | API calls alone, warm ms |`);
    log('|---|---:|---:|---:|---:|');
    for (const r of rows) log(`| ${r.name} (target < ${TARGET_MS}) | ${r.warm.toFixed(0)} | ${r.cold.toFixed(0)} | ${r.warmWall.toFixed(0)} | ${r.api.toFixed(0)} |`);
  } finally {
    await browser.close();
  }
}

async function measure(browser: Browser, s: Scenario) {
  const collector = await startCollectorProcess({ dataDir: DIR });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  try {
    await context.addInitScript(WATCH);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const url = `${collector.apiUrl}${s.path}`;
    const [cold] = await load(page, url, s.rendered);
    const warm: Array<[number, number]> = [];
    for (let i = 0; i < WARM_RUNS; i++) warm.push(await load(page, url, s.rendered));
    const api: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) api.push(await apiMs(collector.apiUrl, s.api));
    const row = { name: s.name, cold, warm: median(warm.map((w) => w[0])), warmWall: median(warm.map((w) => w[1])), api: median(api) };
    log(
      `  ${s.name.padEnd(46)} warm ${row.warm.toFixed(0).padStart(5)} ms   cold ${row.cold.toFixed(0).padStart(5)} ms   ` +
        `(harness wall time ${row.warmWall.toFixed(0)} ms; its API calls alone ${row.api.toFixed(0)} ms)${row.warm < TARGET_MS ? '' : '  MISSED < 1 s'}`,
    );
    if (errors.length > 0) log(`    console errors: ${errors.join(' | ')}`);
    return row;
  } finally {
    await context.close();
    await collector.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:web failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
