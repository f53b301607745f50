// A collector under steady load is killed with SIGKILL at random moments and restarted: every span
// whose request was acknowledged is stored, and no span is stored twice. (20 kills: npm run bench:crash.)
import { rmSync } from 'node:fs';
import { expect, it } from 'vitest';
import { runCrashLoop } from './helpers/crash-loop.js';

it('loses no acknowledged span and duplicates none across 3 SIGKILLs', async () => {
  const result = await runCrashLoop({ kills: 3 });
  const summary = JSON.stringify({ ...result, restartMs: undefined });
  expect(result.acknowledgedSpans, summary).toBeGreaterThan(0);
  expect(result.lostSpans, summary).toBe(0);
  expect(result.duplicatedSpans, summary).toBe(0);
  expect(result.storedSpans, summary).toBe(result.distinctStoredSpans);
  expect(result.distinctStoredSpans, summary).toBe(result.acknowledgedSpans + result.unacknowledgedButStored);
  rmSync(result.dataDir, { recursive: true, force: true });
}, 120_000);
