// The age timer seals a segment while nothing is committing; closing its files takes a moment.
// During that moment the segment must already count as queued: a shutdown must not stop the
// inserter before it, and a flush must not report "all stored" before it is inserted.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDurableQueue } from '../../collector/queue/durable-queue.js';
import { startSegmentInserter } from '../../collector/segment-inserter.js';

// File closes wait for the test to let them go, so the seal is caught half-way, deterministically.
const gate = vi.hoisted(() => {
  const g = { held: false, entered: () => {}, release: () => {}, closing: Promise.resolve() as Promise<void>, released: Promise.resolve() as Promise<void> };
  return {
    hold() {
      g.held = true;
      g.closing = new Promise<void>((r) => (g.entered = r));
      g.released = new Promise<void>((r) => (g.release = r));
    },
    release() {
      g.held = false;
      g.release();
    },
    entered: () => g.closing,
    async pass() {
      if (!g.held) return;
      g.entered();
      await g.released;
    },
  };
});
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      const close = handle.close;
      handle.close = async () => {
        await gate.pass();
        return close();
      };
      return handle;
    },
  };
});

afterEach(() => {
  gate.release();
  vi.useRealTimers();
});

function setUp() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const queue = openDurableQueue({ dir: mkdtempSync(join(tmpdir(), 'verdict-seal-race-')), segmentMaxRows: 1000, segmentMaxBytes: 1 << 20, segmentMaxAgeMs: 1000, maxBytes: 1 << 20 });
  // What the store received: each inserted segment's bytes.
  const stored: string[] = [];
  const sink = startSegmentInserter({ queue, insertSegment: async (dataPath) => void stored.push(readFileSync(dataPath, 'utf8')) });
  return { sink, stored, queue };
}

/** Appends, then lets the age timer start sealing and holds the seal while its files close. */
async function sealHalfWay(write: (rows: { bytes: Buffer; rows: number }) => Promise<void>): Promise<void> {
  await write({ bytes: Buffer.from('aged'), rows: 2 });
  gate.hold();
  vi.advanceTimersByTime(1000);
  await gate.entered();
}

describe('a segment being sealed by its age', () => {
  it('is inserted before a shutdown lets the inserter stop', async () => {
    const { sink, stored, queue } = setUp();
    await sealHalfWay((rows) => queue.append(rows));
    const closing = sink.close(60_000);
    gate.release();
    await closing;
    expect(stored).toEqual(['aged']);
    expect(sink.stats().insertedRows).toBe(2);
  });

  it('is inserted before flush resolves', async () => {
    const { sink, stored, queue } = setUp();
    await sealHalfWay((rows) => queue.append(rows));
    const flushed = sink.flush();
    gate.release();
    await flushed;
    expect(stored).toEqual(['aged']);
  });
});
