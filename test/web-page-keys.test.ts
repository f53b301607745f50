// The web page on a collector that requires read keys: the page and its assets load without a key
// (so it can ask for one) while every API route still refuses; the page asks once, sends the key as
// a header, keeps it in this tab's sessionStorage only (never localStorage, never the URL), asks
// again for a wrong key, and a new tab (a fresh context) has to ask again.
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from './helpers/browser.js';
import { startCollectorProcess, type CollectorProcess } from './helpers/collector-process.js';
import { otlpJsonRequest } from './helpers/otlp-json.js';

const ingestKey = `ingest-${randomBytes(24).toString('base64url')}`;
const readKey = `read-${randomBytes(24).toString('base64url')}`;
let c: CollectorProcess;
let browser: Browser;

beforeAll(async () => {
  [c, browser] = await Promise.all([
    startCollectorProcess({ env: { VERDICT_INGEST_KEYS: ingestKey, VERDICT_READ_KEYS: readKey }, apiKey: readKey }),
    launchBrowser(),
  ]);
  const res = await fetch(`${c.otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-verdict-api-key': ingestKey },
    body: otlpJsonRequest({ service: 'keyed-app', count: 3, resource: { 'service.version': 'k1' } }),
  });
  expect(res.status).toBe(200);
  await c.flush();
});

afterAll(async () => {
  await browser?.close();
  await c?.stop();
});

describe('the web page with read keys', () => {
  it('loads without a key while the API refuses without one', async () => {
    for (const path of ['/', '/assets/verdict.js', '/assets/verdict.css', '/assets/icon.svg']) expect((await fetch(`${c.apiUrl}${path}`)).status, path).toBe(200);
    for (const path of ['/api/versions', '/api/sql?query=SELECT%201', '/api/openapi.json']) expect((await fetch(`${c.apiUrl}${path}`)).status, path).toBe(401);
  });

  it('asks for a key once, sends it as a header, and keeps it only in this tab', async () => {
    const { page, problems } = await openPage(browser);
    const sent: Array<{ url: string; key: string | undefined }> = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/')) sent.push({ url: r.url(), key: r.headers()['x-verdict-api-key'] });
    });
    await page.goto(`${c.apiUrl}/`);
    const input = page.locator('#read-key');
    await input.waitFor();
    expect(await page.locator('.key-prompt [role=alert]').textContent()).toMatch(/missing API key/);

    await input.fill('not-a-key-of-this-collector');
    await input.press('Enter');
    await page.locator('.key-prompt [role=alert]', { hasText: 'unknown API key' }).waitFor();

    await page.locator('#read-key').fill(readKey);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.locator('[data-testid=version-group][data-service=keyed-app]').waitFor();
    expect(await page.locator('[data-service=keyed-app] td[data-metric=requests]').textContent()).toBe('3');

    const afterKey = sent.slice(sent.findIndex((s) => s.key === readKey));
    expect(afterKey.length).toBeGreaterThan(0);
    expect(afterKey.every((s) => s.key === readKey)).toBe(true);
    expect(sent.some((s) => s.url.includes(readKey))).toBe(false);
    expect(page.url()).not.toContain(readKey);
    expect(await page.evaluate("[sessionStorage.getItem('verdict.readKey'), localStorage.length, document.cookie]")).toEqual([readKey, 0, '']);

    // A reload in the same tab keeps it; a new tab asks again.
    await page.reload();
    await page.locator('[data-testid=version-group][data-service=keyed-app]').waitFor();
    expect(await page.locator('#read-key').count()).toBe(0);
    const other = await openPage(browser);
    await other.page.goto(`${c.apiUrl}/`);
    await other.page.locator('#read-key').waitFor();

    // The only console errors are the refused requests themselves.
    for (const p of [...problems, ...other.problems]) expect(p).toMatch(/status of 401/);
    await Promise.all([page.context().close(), other.page.context().close()]);
  });
});
