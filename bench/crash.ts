// npm run bench:crash — 20 SIGKILLs of a collector under steady OTLP load, each followed by a
// restart on the same data; reports acknowledged, stored, lost and duplicated spans.
import { rmSync } from 'node:fs';
import { runCrashLoop } from '../test/helpers/crash-loop.js';

const kills = Number(process.env.BENCH_KILLS ?? 20);
const seed = process.env.BENCH_SEED ? Number(process.env.BENCH_SEED) : undefined;

const started = performance.now();
const result = await runCrashLoop({ kills, seed, onProgress: (line) => process.stdout.write(line + '\n') });
const restarts = result.restartMs.slice(1);
process.stdout.write(
  [
    '',
    `seed                         ${result.seed}`,
    `kills (SIGKILL)              ${result.kills}`,
    `acknowledged spans           ${result.acknowledgedSpans}`,
    `stored spans                 ${result.storedSpans} (${result.distinctStoredSpans} distinct)`,
    `lost (acknowledged, missing) ${result.lostSpans}`,
    `duplicated                   ${result.duplicatedSpans}`,
    `stored though not acked      ${result.unacknowledgedButStored}`,
    `restart to ready, median     ${restarts.sort((a, b) => a - b)[Math.floor(restarts.length / 2)]?.toFixed(0) ?? '-'} ms`,
    `total                        ${((performance.now() - started) / 1000).toFixed(1)} s`,
    '',
  ].join('\n'),
);
rmSync(result.dataDir, { recursive: true, force: true });
process.exitCode = result.lostSpans === 0 && result.duplicatedSpans === 0 ? 0 : 1;
