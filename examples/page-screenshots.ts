// npm run screenshots — the pictures of the web page in docs/screenshots: a collector on a fresh
// data directory, the example chat app's traffic (`npm run example`), then the overview, the
// comparison of its two versions and one failed trace, in headless Chromium at 1280 px.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../schema/sql-files.js';
import { launchBrowser } from '../test/helpers/browser.js';
import { startCollectorProcess } from '../test/helpers/collector-process.js';

const OUT = join(PACKAGE_ROOT, 'docs', 'screenshots');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const collector = await startCollectorProcess();
  const browser = await launchBrowser();
  try {
    await promisify(execFile)(process.execPath, [join(PACKAGE_ROOT, 'dist', 'examples', 'chat-app.js')], {
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpUrl },
    });
    await collector.flush();
    const failed = (await (await fetch(`${collector.apiUrl}/api/traces?filter=${encodeURIComponent("attributes.status = 'ERROR'")}&limit=1`)).json()) as { traces: Array<{ traceId: string }> };
    const shots = [
      { file: 'overview.png', path: '/', ready: '[data-testid=version-group] .sparkline' },
      { file: 'compare.png', path: '/?view=compare&service=chat-app&env=development&baseline=v1&candidate=v2', ready: '[data-testid=metric-card]' },
      { file: 'trace.png', path: `/?view=trace&id=${failed.traces[0].traceId}`, ready: '[data-testid=span-details]' },
    ];
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', colorScheme: 'light' });
    const page = await context.newPage();
    for (const s of shots) {
      await page.goto(`${collector.apiUrl}${s.path}`);
      await page.locator(s.ready).first().waitFor();
      await page.screenshot({ path: join(OUT, s.file), fullPage: true });
      process.stdout.write(`docs/screenshots/${s.file}\n`);
    }
    await context.close();
  } finally {
    await browser.close();
    await collector.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`screenshots failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
