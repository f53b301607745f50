// Bundles the page (web/src) into dist/web with esbuild: one script and one stylesheet (Preact,
// uPlot and the views), the shell and its icon. Run by `npm run build` and `prepare`; fails when the
// page outgrows its budget of 200 KB of JS and CSS gzipped.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const WEB = dirname(fileURLToPath(import.meta.url));
const OUT = join(WEB, '..', 'dist', 'web');
const BUDGET_BYTES = 200 * 1024;

rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, 'assets'), { recursive: true });
await build({
  entryPoints: { verdict: join(WEB, 'src', 'main.tsx') },
  outdir: join(OUT, 'assets'),
  bundle: true,
  minify: true,
  format: 'esm',
  // Browsers of the last few years: module scripts, CSS nesting not assumed.
  target: ['es2022', 'chrome111', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  logLevel: 'warning',
});
copyFileSync(join(WEB, 'index.html'), join(OUT, 'index.html'));
copyFileSync(join(WEB, 'icon.svg'), join(OUT, 'assets', 'icon.svg'));

const sizes = ['verdict.js', 'verdict.css'].map((name) => ({ name, gzip: gzipSync(readFileSync(join(OUT, 'assets', name)), { level: 9 }).length }));
const total = sizes.reduce((sum, s) => sum + s.gzip, 0);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
process.stdout.write(`web page: ${sizes.map((s) => `${s.name} ${kb(s.gzip)}`).join(', ')} gzipped; ${kb(total)} of the ${kb(BUDGET_BYTES)} budget\n`);
if (total > BUDGET_BYTES) {
  process.stderr.write('web page: over its size budget; see what grew with esbuild --analyze\n');
  process.exit(1);
}
