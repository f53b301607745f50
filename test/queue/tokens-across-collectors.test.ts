// Several collectors insert into one table, each from its own queue: their batches' deduplication
// tokens must never collide (a collision would drop another collector's batch as a replay). A token
// is `verdict-<run id>-<sequence>`, the run id a random UUID made whenever a queue is opened.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openDurableQueue } from '../../collector/queue/durable-queue.js';

const open = () =>
  openDurableQueue({ dir: mkdtempSync(join(tmpdir(), 'verdict-tokens-')), segmentMaxRows: 1, segmentMaxBytes: 1 << 20, segmentMaxAgeMs: 60_000, maxBytes: 1 << 20 });

it("two collectors' first batches (the same sequence numbers) carry different tokens", async () => {
  const queues = [open(), open(), open()];
  const tokens: string[] = [];
  for (const q of queues) {
    for (const text of ['a', 'b']) {
      await q.append({ bytes: Buffer.from(text), rows: 1 });
      const segment = (await q.next())!;
      tokens.push(segment.token);
      await q.remove(segment);
    }
  }
  expect(new Set(tokens).size).toBe(tokens.length);
  for (const token of tokens) expect(token).toMatch(/^verdict-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d+$/);
});
