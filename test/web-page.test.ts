// The web page in a real browser (headless Chromium) against a real collector process holding
// known traffic (test/helpers/page-traffic.ts). Each view shows the numbers the API answers;
// clicking a version opens the right comparison and a comparison's URL opens it again; deployment
// markers sit at their time on the charts; a trace's waterfall lists its spans in start order;
// hostile span names and attributes render as text under a strict Content-Security-Policy; a
// failing call shows its message while the rest works; the page fits a phone, follows dark mode
// and works from the keyboard. After every test: no console error, page error or dialog beyond
// the failed requests that test provoked on purpose.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatCount, formatDelta, formatMetricValue, formatMs, formatPercent, formatPValue, formatTokens, formatUtc } from '../web/src/format.js';
import { VERDICT_WORDS } from '../web/src/metric-words.js';
import type { CompareResult, DeploymentsResult, ErrorsResult, SearchResult, TimeseriesResult, VersionsResult } from '../queries/index.js';
import { launchBrowser, openPage, type WatchedPage } from './helpers/browser.js';
import { startCollectorProcess, type CollectorProcess } from './helpers/collector-process.js';
import { HOSTILE, sendPageTraffic, STORY, STORY_FEEDBACK } from './helpers/page-traffic.js';
import { runCli } from './helpers/run-cli.js';

let c: CollectorProcess;
let browser: Browser;
let current: (WatchedPage & { allowed: RegExp[] }) | undefined;

beforeAll(async () => {
  [c, browser] = await Promise.all([startCollectorProcess(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await c?.stop();
});

/** Closes the current page's context and checks it saw no problem beyond the ones its test provoked. */
async function finish(): Promise<void> {
  const watched = current;
  current = undefined;
  if (!watched) return;
  await watched.page.context().close();
  expect(watched.problems.filter((p) => !watched.allowed.some((a) => a.test(p)))).toEqual([]);
}

afterEach(finish);

/** Opens a path of the page in a fresh browser context; `allowed` are console errors this test provokes on purpose. */
async function open(path: string, options: Parameters<typeof openPage>[1] = {}, allowed: RegExp[] = []): Promise<Page> {
  await finish();
  current = { ...(await openPage(browser, options)), allowed };
  await current.page.goto(`${c.apiUrl}${path}`);
  return current.page;
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${c.apiUrl}${path}`);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const story = `service=${STORY.service}&env=${STORY.environment}`;
const param = (page: Page, key: string) => new URL(page.url()).searchParams.get(key);

let sent: Promise<void> | undefined;
/** The known traffic, sent once whichever test needs it first. */
const traffic = () => (sent ??= sendPageTraffic(c));

describe('an empty store', () => {
  it('shows how to send the first spans instead of an empty table, and fills in when they arrive', async () => {
    const page = await open('/');
    await page.getByTestId('first-spans').waitFor();
    await expect(page.getByTestId('first-spans').textContent()).resolves.toContain('npm run example');
    await expect(page.getByTestId('first-spans').textContent()).resolves.toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
    await traffic();
    await page.locator(`[data-testid=version-group][data-service="${STORY.service}"]`).waitFor();
  });

  it('is served with a strict Content-Security-Policy and no inline script', async () => {
    const res = await fetch(`${c.apiUrl}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).not.toContain('unsafe');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts).toEqual(['<script type="module" src="/assets/verdict.js">']);
    expect(html).not.toMatch(/\sstyle=|<style|\son\w+=/);
    // Everything it loads comes from the collector itself.
    expect(html.match(/(?:src|href)="([^"]+)"/g)?.every((m) => m.includes('"/assets/'))).toBe(true);
  });
});

describe('with known traffic', () => {
  beforeAll(traffic);

  it('overview shows every version with the numbers /api/versions answers, and what is live', async () => {
    const { versions } = await api<VersionsResult>('/api/versions');
    // The traffic is what the story says: 540 v1 requests plus the waterfall trace, 192 of v2.
    const shop = versions.filter((v) => v.service === STORY.service);
    expect(shop.map((v) => [v.version, v.requests, v.errors])).toEqual([
      ['v1', 541, 11],
      ['v2', 192, 20],
    ]);
    const page = await open('/');
    await page.locator('[data-testid=version-group] tbody tr').nth(versions.length - 1).waitFor();
    for (const v of versions) {
      const row = page.locator(`[data-testid=version-group][data-service="${v.service}"][data-environment="${v.environment}"] tr[data-version="${v.version}"]`);
      const cell = (key: string) => row.locator(`td[data-metric=${key}]`).textContent();
      expect(await cell('requests')).toBe(formatCount(v.requests));
      expect(await cell('errorRate')).toBe(formatPercent(v.errorRate));
      expect(await cell('p50')).toBe(formatMs(v.latencyMs?.p50));
      expect(await cell('p95')).toBe(formatMs(v.latencyMs?.p95));
      expect(await cell('inputTokens')).toBe(formatTokens(v.inputTokensPerRequest));
      expect(await cell('outputTokens')).toBe(formatTokens(v.outputTokensPerRequest));
    }
    const { deployments } = await api<DeploymentsResult>(`/api/deployments`);
    expect(deployments.find((d) => d.service === STORY.service)!.live).toEqual(['v1']);
    const shopRows = page.locator(`[data-testid=version-group][data-service="${STORY.service}"]`);
    await expect(shopRows.locator('tr[data-version=v1] .badge.live').count()).resolves.toBe(1);
    await expect(shopRows.locator('tr[data-version=v2] .badge.live').count()).resolves.toBe(0);
    // Times in the viewer's zone (Europe/Paris here), UTC on hover.
    const firstSeen = shopRows.locator('tr[data-version=v1] time').first();
    expect(await firstSeen.getAttribute('datetime')).toBe(shop[0].firstSeen);
    expect(await firstSeen.getAttribute('title')).toBe(formatUtc(shop[0].firstSeen));
    expect(await firstSeen.textContent()).toContain('9:00:00 AM'); // 08:00 UTC
  });

  it('shows cost and feedback with their units: the main feedback per version, and each feedback and cost compared', async () => {
    // Known data: every request is one gpt-4o call ($2.50 / $10 per million input / output tokens
    // on the story's day): v1 400 + 150 tokens = $0.0025, v2 600 + 150 = $0.0030; 541 and 192
    // requests. Feedback (STORY_FEEDBACK): thumbs_up on 100 requests of each, 90 and 70 up;
    // relevance on 40 of each, means 0.8 and 0.6 (±0.1 alternating).
    expect(STORY_FEEDBACK).toMatchObject({ thumbsRated: 100, thumbsUp: { v1: 90, v2: 70 }, relevanceRated: 40, relevanceMean: { v1: 0.8, v2: 0.6 } });
    const { versions } = await api<VersionsResult>(`/api/versions?${story}&feedback=true`);
    expect(versions.map((v) => [v.version, v.costPerRequestUsd?.toFixed(6), v.costUsd.toFixed(6), v.feedback!.map((f) => [f.name, f.type, f.value.toFixed(6), f.count])])).toEqual([
      ['v1', '0.002500', '1.352500', [['relevance', 'numeric', '0.800000', 40], ['thumbs_up', 'boolean', '0.900000', 100]]],
      ['v2', '0.003000', '0.576000', [['relevance', 'numeric', '0.600000', 40], ['thumbs_up', 'boolean', '0.700000', 100]]],
    ]);
    const overview = await open(`/?${story}`);
    const group = overview.locator(`[data-testid=version-group][data-service="${STORY.service}"]`);
    // The feedback columns come with the second (feedback) answer.
    await group.locator('tr[data-version=v2] td[data-feedback=thumbs_up]').waitFor();
    const cells = async (version: string) => {
      const row = group.locator(`tr[data-version=${version}]`);
      return Promise.all([
        row.locator('td[data-metric=costPerRequest]').textContent(),
        row.locator('td[data-metric=cost]').textContent(),
        row.locator('td[data-feedback=thumbs_up]').textContent(),
        row.locator('td[data-feedback=relevance]').textContent(),
      ]);
    };
    expect(await cells('v1')).toEqual(['$0.0025', '$1.35', '90.00 %', '0.80 mean']);
    expect(await cells('v2')).toEqual(['$0.0030', '$0.5760', '70.00 %', '0.60 mean']);
    const headers = await group.locator('thead th').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['Cost / request', 'Total cost', 'thumbs_up rate', 'relevance mean']));
    expect(await group.locator('tr[data-version=v1] td[data-feedback=thumbs_up]').getAttribute('title')).toBe('100 rated, 18.5 % of requests');

    const page = await open(`/?view=compare&${story}&baseline=v1&candidate=v2`);
    await page.getByTestId('cost-card').waitFor();
    const r = await api<CompareResult>(`/api/compare?${story}&baseline=v1&candidate=v2`);
    const card = (name: string) => page.locator(`[data-testid=quality-card][data-metric=${name}]`);
    const shown = async (c: ReturnType<typeof card>) =>
      Promise.all(['baseline-value', 'candidate-value', 'delta', 'interval', 'verdict', 'coverage'].map((id) => c.getByTestId(id).textContent()));
    expect(await page.getByTestId('quality-card').count()).toBe(r.quality.length);
    // thumbs_up: 90 % → 70 %, the two-proportion interval −0.2 ± 1.96·√(0.9·0.1/100 + 0.7·0.3/100).
    const thumbs = r.quality.find((q) => q.name === 'thumbs_up')!;
    const half = 1.959964 * Math.sqrt((0.9 * 0.1) / 100 + (0.7 * 0.3) / 100);
    expect([thumbs.ciLow! + 0.2, thumbs.ciHigh! + 0.2].map((x) => x.toFixed(4))).toEqual([(-half).toFixed(4), half.toFixed(4)]);
    expect(await shown(card('thumbs_up'))).toEqual([
      '90.00 %',
      '70.00 %',
      '−20.00 pt',
      `${formatDelta('ratio', -0.2 - half)} to ${formatDelta('ratio', -0.2 + half)}`,
      'Worse',
      'Coverage 18.5 % of baseline requests (100 rated) · 52.1 % of candidate requests (100 rated)coverage differs',
    ]);
    // relevance: means 0.8 → 0.6, Welch's interval ±t(78)·√(2·0.01·(40/39)/40).
    const relevance = r.quality.find((q) => q.name === 'relevance')!;
    expect(relevance.ciHigh! - relevance.ciLow!).toBeCloseTo(2 * 1.990847 * Math.sqrt((2 * 0.01) / 39), 5);
    expect(await shown(card('relevance'))).toEqual([
      '0.80 mean',
      '0.60 mean',
      '−0.20',
      '−0.25 to −0.15',
      'Worse',
      'Coverage 7.4 % of baseline requests (40 rated) · 20.8 % of candidate requests (40 rated)coverage differs',
    ]);
    // Cost per request $0.0025 → $0.0030 (+20 %), totals $1.35 and $0.5760.
    const cost = page.getByTestId('cost-card');
    expect(await Promise.all(['baseline-value', 'candidate-value', 'delta', 'verdict', 'baseline-total', 'candidate-total'].map((id) => cost.getByTestId(id).textContent()))).toEqual([
      '$0.0025',
      '$0.0030',
      '+$0.0005 (+20.0 %)',
      VERDICT_WORDS[r.cost.verdict],
      '$1.35',
      '$0.5760',
    ]);
    expect(await cost.getByTestId('interval').textContent()).toBe(`${formatDelta('usd', r.cost.ciLow)} to ${formatDelta('usd', r.cost.ciHigh)}`);
    const warnings = await page.getByTestId('warnings').textContent();
    expect(warnings).toContain('feedback "thumbs_up" covers 18.5 % of the baseline\'s requests but 52.1 % of the candidate\'s');
    expect(await page.getByTestId('regression').textContent()).toContain('feedback thumbs_up');
  });

  it('clicking a version in the overview opens its comparison with the version before it', async () => {
    const page = await open('/');
    await page.locator(`[data-service="${STORY.service}"] tr[data-version=v2] [data-testid=version-link]`).click();
    await page.getByTestId('metric-card').first().waitFor();
    expect([param(page, 'view'), param(page, 'service'), param(page, 'env'), param(page, 'baseline'), param(page, 'candidate')]).toEqual([
      'compare',
      STORY.service,
      STORY.environment,
      'v1',
      'v2',
    ]);
    const r = await api<CompareResult>(`/api/compare?${story}&baseline=v1&candidate=v2`);
    await expectCards(page, r);
    expect(await page.getByTestId('regression').textContent()).toContain(r.regression ? 'Regression' : 'No metric is worse');
  });

  it('the URL round-trips a comparison: opening it, changing it, Back and reload', async () => {
    const path = `/?view=compare&${story}&baseline=v1&candidate=v2&align=1&by=name`;
    const page = await open(path);
    await page.getByTestId('metric-card').first().waitFor();
    expect(await page.getByTestId('baseline-version').inputValue()).toBe('v1');
    expect(await page.getByTestId('candidate-version').inputValue()).toBe('v2');
    await expect(page.locator('#breakdown-title').textContent()).resolves.toBe('By name');
    await expectCards(page, await api<CompareResult>(`/api/compare?${story}&baseline=v1&candidate=v2&align=true&by=name`));

    await page.getByTitle('Swap baseline and candidate').click();
    await page.getByTestId('compare-submit').click();
    await page.waitForURL(`${c.apiUrl}/?view=compare&${story}&baseline=v2&candidate=v1&align=1&by=name`);
    const swapped = await api<CompareResult>(`/api/compare?${story}&baseline=v2&candidate=v1&align=true&by=name`);
    await page.locator('[data-metric=errorRate] [data-testid=baseline-value]', { hasText: formatPercent(swapped.baseline.errorRate) }).waitFor();
    await expectCards(page, swapped);

    await page.goBack();
    await page.waitForURL(`${c.apiUrl}${path}`);
    await page.locator('[data-metric=errorRate] [data-testid=baseline-value]', { hasText: formatPercent(swapped.candidate.errorRate) }).waitFor();
    expect(await page.getByTestId('baseline-version').inputValue()).toBe('v1');

    // Filters travel in the URL too, encoded.
    const filters = `/?view=compare&${story}&baselineFilter=${encodeURIComponent("version = 'v1'")}&candidateFilter=${encodeURIComponent("version = 'v2'")}`;
    await page.goto(`${c.apiUrl}${filters}`);
    await page.getByTestId('metric-card').first().waitFor();
    expect(await page.getByTestId('baseline-filter').inputValue()).toBe("version = 'v1'");
    expect(await page.getByTestId('candidate-label').textContent()).toBe("version = 'v2'");
    await page.reload();
    await page.getByTestId('metric-card').first().waitFor();
    expect(await page.getByTestId('candidate-filter').inputValue()).toBe("version = 'v2'");
  });

  it('"Copy as JSON" copies the document `verdict compare --json` prints', async () => {
    const page = await open(`/?view=compare&${story}&baseline=v1&candidate=v2`, { permissions: ['clipboard-read', 'clipboard-write'] });
    await page.getByTestId('copy-json').click();
    await page.getByText('Copied.').waitFor();
    const copied = String(await page.evaluate('navigator.clipboard.readText()'));
    const cli = await runCli(['compare', '--json', '--api', c.apiUrl, '--service', STORY.service, '--env', STORY.environment, '--baseline', 'v1', '--candidate', 'v2']);
    expect(cli.code).toBe(0);
    expect(copied).toBe(cli.stdout);
  });

  it('over time marks the rollout, the rollback and the canary at their times; zooming puts the range in the URL', async () => {
    const { deployments } = await api<DeploymentsResult>(`/api/deployments?${story}`);
    const d = deployments[0];
    expect(d.rollouts.map((t) => [t.at, t.from, t.to])).toEqual([[new Date(STORY.rolloutAt).toISOString(), 'v1', 'v2']]);
    expect(d.rollbacks.map((t) => [t.at, t.from, t.to])).toEqual([[new Date(STORY.rollbackAt).toISOString(), 'v2', 'v1']]);
    expect(d.overlaps.map((o) => o.from)).toEqual([new Date(STORY.canaryFrom).toISOString()]);

    const page = await open(`/?view=time&${story}`);
    const chart = page.locator('[data-testid=chart-error-rate][data-ready=true]');
    await chart.waitFor();
    const series = await api<TimeseriesResult>(`/api/timeseries?${story}`);
    expect(await chart.getAttribute('data-from')).toBe(series.from);
    expect(await chart.getAttribute('data-to')).toBe(series.to);
    const from = Date.parse(series.from);
    const span = Date.parse(series.to) - from;
    const over = (await chart.locator('.u-over').boundingBox())!;
    // Where on the x axis an element's left edge is, as a time.
    const timeAt = async (selector: string) => from + (((await chart.locator(selector).boundingBox())!.x - over.x) / over.width) * span;
    const onePixel = span / over.width;
    expect(await chart.locator('.marker-rollback').getAttribute('data-at')).toBe(d.rollbacks[0].at);
    expect(Math.abs((await timeAt('.marker-rollback')) - STORY.rollbackAt)).toBeLessThan(2 * onePixel);
    expect(Math.abs((await timeAt('.marker-rollout')) - STORY.rolloutAt)).toBeLessThan(2 * onePixel);
    expect(Math.abs((await timeAt('.marker-canary')) - STORY.canaryFrom)).toBeLessThan(2 * onePixel);
    expect(await page.getByTestId('deployment-list').textContent()).toContain('Rollback');

    // Drag across the middle third: the range becomes from/to in the URL, and Back undoes it.
    await page.mouse.move(over.x + over.width / 3, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + (2 * over.width) / 3, over.y + over.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL(/[?&]to=/);
    const zoomFrom = Date.parse(param(page, 'from')!);
    const zoomTo = Date.parse(param(page, 'to')!);
    expect(Math.abs(zoomFrom - (from + span / 3))).toBeLessThan(3 * onePixel);
    expect(Math.abs(zoomTo - (from + (2 * span) / 3))).toBeLessThan(3 * onePixel);
    const zoomed = page.locator('[data-testid=chart-error-rate][data-ready=true]');
    await page.waitForFunction(`document.querySelector('[data-testid=chart-error-rate]')?.getAttribute('data-from') !== ${JSON.stringify(series.from)}`);
    expect(Date.parse((await zoomed.getAttribute('data-from'))!)).toBeLessThanOrEqual(zoomFrom);
    await page.goBack();
    await page.waitForURL((u) => !u.searchParams.has('from'));
  });

  it('deployments show the eras, rollouts, rollbacks and canary shares /api/deployments answers', async () => {
    const { deployments } = await api<DeploymentsResult>(`/api/deployments?${story}`);
    const d = deployments[0];
    const page = await open(`/?view=deployments&${story}`);
    const panel = page.locator(`[data-testid=deployment][data-service="${STORY.service}"]`);
    await panel.waitFor();
    expect(await panel.locator('.era').evaluateAll((els) => els.map((e) => [e.getAttribute('data-version'), e.getAttribute('data-from')]))).toEqual(
      d.eras.map((e) => [e.version, e.from]),
    );
    expect(await panel.getByTestId('rollbacks').locator('li').getAttribute('data-at')).toBe(d.rollbacks[0].at);
    const shares = await panel.getByTestId('overlaps').textContent();
    for (const v of d.overlaps[0].versions) expect(shares).toContain(`${v.version} ${formatPercent(v.share, 1)} (${formatCount(v.requests)} requests)`);
    for (const v of d.versions) expect(await panel.locator(`tr[data-version="${v.version}"] td.num`).textContent()).toBe(formatCount(v.requests));
  });

  it('errors new in the candidate are listed first and marked', async () => {
    const r = await api<ErrorsResult>(`/api/errors?${story}&baseline=v1&candidate=v2`);
    expect(r.newInCandidate!.map((g) => g.message)).toEqual(['context length exceeded at <n> tokens']);
    const page = await open(`/?view=errors&${story}&baseline=v1&candidate=v2`);
    const table = page.getByTestId('error-table');
    await table.waitFor();
    expect(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-new'), r.querySelector('.message span[title]')?.textContent, r.querySelector('[data-metric=count]')?.textContent]))).toEqual(
      r.errors.map((g) => [g.isNew ? 'true' : null, g.message, formatCount(g.count)]),
    );
  });

  it("a session lists its turns in order, and a turn opens its trace", async () => {
    const page = await open(`/?view=session&id=${STORY.sessionId}`);
    const rows = page.locator('[data-testid=turns-table] tbody tr');
    await rows.nth(3).waitFor();
    const times = await rows.locator('td:nth-child(2) time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime')!));
    expect(times).toHaveLength(4);
    expect([...times].sort()).toEqual(times);
    await rows.first().locator('a').click();
    await page.getByTestId('waterfall').waitFor();
    expect(param(page, 'view')).toBe('trace');
  });

  it('a trace waterfall lists its spans in start order, children under their parents', async () => {
    const page = await open(`/?view=trace&id=${STORY.waterfallTraceId}`);
    const names = page.locator('[data-testid=span-row] .span-name');
    await names.nth(STORY.waterfallOrder.length - 1).waitFor();
    expect(await names.allTextContents()).toEqual(STORY.waterfallOrder);
    const indents = await names.evaluateAll((els) => els.map((e) => parseFloat(/padding-left:\s*([\d.]+)px/.exec(e.getAttribute('style') ?? '')?.[1] ?? '0')));
    expect(indents[0]).toBeLessThan(indents[1]);
    expect(indents[1]).toBe(indents[2]);
    expect(indents[2]).toBeLessThan(indents[3]);
    // Bars start left to right in that order.
    const lefts = await page.locator('.span-bar').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().left));
    expect([...lefts].sort((a, b) => a - b)).toEqual(lefts);
    await page.getByTestId('span-row').nth(2).click();
    const genAi = page.getByTestId('gen-ai');
    await genAi.waitFor();
    expect(await genAi.textContent()).toContain('gpt-4o');
    expect(await genAi.textContent()).toContain(formatTokens(400));
  });

  it('search shows a syntax error at its position, and results that link to their traces', async () => {
    const bad = "version = 'v2' AND";
    const page = await open(`/?view=search&filter=${encodeURIComponent(bad)}`, {}, [/status of 400/]);
    const note = page.getByTestId('filter-error');
    await note.waitFor();
    const refusal = await fetch(`${c.apiUrl}/api/traces?filter=${encodeURIComponent(bad)}`).then((r) => r.json() as Promise<{ error: string; position: number }>);
    expect(await note.locator('p').textContent()).toBe(refusal.error);
    expect(Number(await note.locator('pre').getAttribute('data-position'))).toBe(refusal.position);

    const good = "version = 'v2' AND attributes.status = 'ERROR'";
    await page.getByTestId('filter-input').fill(good);
    await page.getByTestId('filter-input').press('Enter');
    await page.waitForURL((u) => u.searchParams.get('filter') === good);
    const results = page.getByTestId('search-results');
    await results.waitFor();
    const r = await api<SearchResult>(`/api/traces?filter=${encodeURIComponent(good)}&limit=50`);
    expect(await results.locator('tbody tr').evaluateAll((rows) => rows.map((e) => e.getAttribute('data-trace-id')))).toEqual(r.traces.map((t) => t.traceId));
    await results.getByTestId('trace-link').first().click();
    await page.getByTestId('waterfall').waitFor();
    expect(param(page, 'id')).toBe(r.traces[0].traceId);
  });

  it('a span named <img src=x onerror=…> and an attribute holding <script> render as text and run nothing', async () => {
    const page = await open(`/?view=trace&id=${HOSTILE.traceId}`);
    await page.getByTestId('span-details').waitFor();
    expect(await page.locator('[data-testid=span-row] .span-name').textContent()).toBe(HOSTILE.spanName);
    expect(await page.locator('#span-title').textContent()).toBe(HOSTILE.spanName);
    const attribute = page.locator('[data-testid=span-attributes] tr').filter({ has: page.locator('th', { hasText: HOSTILE.attributeKey }) });
    expect(await attribute.locator('td').textContent()).toBe(HOSTILE.attributeValue);
    expect(await page.getByTestId('span-error').textContent()).toContain(HOSTILE.errorMessage);
    const injected = () => page.evaluate("({ imgs: document.querySelectorAll('img, svg[onload]').length, scripts: document.scripts.length })");
    expect(await injected()).toEqual({ imgs: 0, scripts: 1 });

    // The same names in search results and the overview.
    await page.goto(`${c.apiUrl}/?view=search&filter=${encodeURIComponent(`service = '${HOSTILE.service}'`)}`);
    await page.getByTestId('trace-link').waitFor();
    expect(await page.getByTestId('trace-link').textContent()).toBe(HOSTILE.spanName);
    await page.goto(`${c.apiUrl}/`);
    await page.locator(`[data-testid=version-group][data-service="${HOSTILE.service}"]`).waitFor();
    expect(await injected()).toEqual({ imgs: 0, scripts: 1 });
  });

  it('a failing API call shows its message where its answer would be, and the rest of the page keeps working', async () => {
    await finish();
    current = { ...(await openPage(browser)), allowed: [/status of 503/] };
    const page = current.page;
    await page.route('**/api/deployments*', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'store unavailable (injected by the test)', statusCode: 503 }) }),
    );
    await page.goto(`${c.apiUrl}/`);
    const note = page.getByTestId('api-error');
    await note.waitFor();
    expect(await note.textContent()).toContain('store unavailable (injected by the test)');
    const v1 = page.locator(`[data-service="${STORY.service}"] tr[data-version=v1] td[data-metric=requests]`);
    expect(await v1.textContent()).toBe(formatCount(541));
    // Navigation still works, and a view that does not need the failing route is whole.
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByTestId('sessions-table').waitFor();
  });

  it('the registry on the page: a stage column, a version\'s record and history, the chosen baseline with what changed, and alerts', async () => {
    const change = (body: unknown) => fetch(`${c.apiUrl}/api/registry/changes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await change({ action: 'register', service: STORY.service, version: 'v1', params: { model: 'small' } })).status).toBe(200);
    expect((await change({ action: 'register', service: STORY.service, version: 'v2', params: { model: 'large' } })).status).toBe(200);
    expect((await change({ action: 'promote', service: STORY.service, version: 'v1', to: 'production' })).status).toBe(200);
    const page = await open(`/?${story}`);
    const stage = page.locator(`[data-service="${STORY.service}"] tr[data-version=v1] [data-testid=stage]`);
    // The registry's answer may come after the versions table: wait for the stage to show.
    await stage.filter({ hasText: 'production' }).waitFor();
    expect(await stage.textContent()).toBe('production (production)');
    await stage.getByRole('link').click();
    await page.waitForURL(/view=version/);
    expect(await page.getByTestId('stage').textContent()).toBe('production (production)');
    await page.locator('[data-testid=history] tr[data-kind=stage]').waitFor();

    await page.goto(`${c.apiUrl}/?view=compare&${story}&candidate=v2`);
    expect(await page.getByTestId('baseline-choice').textContent()).toContain('v1');
    expect(await page.getByTestId('what-changed').textContent()).toContain('param model: small → large');

    await page.goto(`${c.apiUrl}/?view=alerts`);
    await page.getByTestId('no-alerts').or(page.getByTestId('alerts')).waitFor();
  });

  it('fits a 390 px phone, follows dark mode, and can be used from the keyboard', async () => {
    const phone = await open('/', { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    for (const path of ['/', `/?view=compare&${story}&baseline=v1&candidate=v2`, `/?view=time&${story}`, `/?view=trace&id=${STORY.waterfallTraceId}`, `/?view=deployments&${story}`]) {
      await phone.goto(`${c.apiUrl}${path}`);
      await phone.waitForLoadState('networkidle');
      expect(Number(await phone.evaluate('document.documentElement.scrollWidth')), path).toBeLessThanOrEqual(390);
    }
    const background = String(await phone.evaluate('getComputedStyle(document.body).backgroundColor'));
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    expect(r + g + b).toBeLessThan(3 * 60);

    const page = await open('/');
    await page.locator(`[data-service="${STORY.service}"] [data-testid=version-link]`).first().waitFor();
    // Tab through the page until a version link has focus, then Enter follows it.
    const focusedTestId = () => page.evaluate("document.activeElement?.getAttribute('data-testid')");
    for (let i = 0; i < 40 && (await focusedTestId()) !== 'version-link'; i++) await page.keyboard.press('Tab');
    const focused = String(await page.evaluate('document.activeElement?.textContent'));
    await page.keyboard.press('Enter');
    await page.waitForURL(/view=compare/);
    expect([param(page, 'baseline'), param(page, 'candidate')]).toContain(focused);
  });
});

/** Every metric card shows the API's values, difference, p-value and verdict for that metric. */
async function expectCards(page: Page, r: CompareResult): Promise<void> {
  const cards = page.getByTestId('metric-card');
  expect(await cards.count()).toBe(r.metrics.length);
  for (const m of r.metrics) {
    const card = page.locator(`[data-testid=metric-card][data-metric=${m.name}]`);
    expect(await card.getByTestId('baseline-value').textContent()).toBe(formatMetricValue(m.unit, m.baseline));
    expect(await card.getByTestId('candidate-value').textContent()).toBe(formatMetricValue(m.unit, m.candidate));
    expect(await card.getByTestId('delta').textContent()).toContain(formatDelta(m.unit, m.delta));
    expect(await card.getByTestId('p-value').textContent()).toBe(formatPValue(m.pValue));
    expect(await card.getByTestId('verdict').textContent()).toBe(VERDICT_WORDS[m.verdict]);
    expect(await card.getAttribute('data-verdict')).toBe(m.verdict);
  }
}
