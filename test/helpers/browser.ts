// Headless Chromium for the page's tests, bench:web and the screenshots: the binary ships inside
// the @sparticuz/chromium npm package (so `npm install` is all the set-up, nothing is downloaded)
// and playwright-core drives it. Each page records what a person would call a problem: console
// errors, uncaught exceptions and dialogs (an alert() would mean injected script ran).
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

// The package's flags are tuned for AWS Lambda. Two are dropped here: --single-process crashes the
// browser when a context closes (tests open several), and --disable-web-security would weaken the
// very same-origin and CSP behaviour the page is tested under.
const DROPPED = new Set(['--single-process', '--disable-web-security']);

export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args.filter((a) => !DROPPED.has(a)),
    headless: true,
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, page errors and dialogs seen so far, as text. */
  problems: string[];
}

/**
 * A page in a fresh context (its own sessionStorage and cache). The locale is fixed because this
 * machine's default ("en-US@posix") is not a language tag Intl accepts.
 */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Paris', ...options });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return { page, problems };
}
