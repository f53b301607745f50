// A segment that reaches its age while the inserter is busy with an earlier one stays open and
// takes more records until the inserter asks for the next segment: the spans wait for the
// inserter either way, and one larger insert costs the engine far less than several small ones.
// While the inserter waits, the age seals at once, as before.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDurableQueue } from '../../collector/queue/durable-queue.js';

const rows = (text: string, n = 1) => ({ bytes: Buffer.from(text), rows: n });
/** Lets the commit loop finish the group just acknowledged, so that the age finds nothing being written. */
const committed = () => new Promise<void>((resolve) => setImmediate(resolve));

function openQueue() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  return openDurableQueue({ dir: mkdtempSync(join(tmpdir(), 'verdict-aged-')), segmentMaxRows: 1000, segmentMaxBytes: 1 << 20, segmentMaxAgeMs: 1000, maxBytes: 1 << 20 });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a segment reaching its age', () => {
  it('stays open while nobody waits for a segment, and is sealed with what came since when asked', async () => {
    const q = openQueue();
    await q.append(rows('a;'));
    await committed();
    vi.advanceTimersByTime(1000);
    await q.append(rows('b;'));
    const segment = (await q.next())!;
    expect(segment.rows).toBe(2);
    expect(readFileSync(segment.dataPath, 'utf8')).toBe('a;b;');
    await q.remove(segment);
    // The next segment starts afresh and follows the same rule.
    await q.append(rows('c;'));
    const next = q.next();
    vi.advanceTimersByTime(1000);
    const aged = (await next)!;
    expect(readFileSync(aged.dataPath, 'utf8')).toBe('c;');
  });

  it('is sealed at once while the inserter waits for one', async () => {
    const q = openQueue();
    const waiting = q.next();
    await q.append(rows('x;'));
    await committed();
    vi.advanceTimersByTime(1000);
    const segment = (await waiting)!;
    expect(readFileSync(segment.dataPath, 'utf8')).toBe('x;');
    await q.remove(segment);
    await q.append(rows('y;'));
    // Appended after the seal: a segment of its own.
    await q.sealOpen();
    expect(readFileSync((await q.next())!.dataPath, 'utf8')).toBe('y;');
  });
});
