// The progress bar long commands share (cli/progress.ts): drawn on a terminal, with the counts and
// their unit, and finished on its own line; nothing at all when the stream is not a terminal (a log
// file, a pipe, CI), so no control characters end up there.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startProgress } from '../cli/progress.js';

/** A stream that keeps what is written; a terminal 100 columns wide when `tty`. */
function sink(tty: boolean): Writable & { isTTY: boolean; columns: number; text(): string } {
  let written = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written += String(chunk);
      done();
    },
  }) as Writable & { isTTY: boolean; columns: number; text(): string };
  stream.isTTY = tty;
  stream.columns = 100;
  stream.text = () => written;
  return stream;
}

const plain = (s: string) => s.replace(/\u001b(\[[0-9;?]*[A-Za-z]|[78])/g, '');

describe('startProgress', () => {
  it('draws the bar on a terminal with the counts and their unit, and ends at the total', () => {
    const stream = sink(true);
    const bar = startProgress('generating', 10_000, { unit: 'traces', stream });
    bar.update(4_000);
    bar.update(10_000);
    bar.stop();
    const text = plain(stream.text());
    expect(text).toMatch(/generating \[[█░]{30}\] 0 % \| 0 \/ 10,000 traces/);
    expect(text).toMatch(/generating \[█{30}\] 100 % \| 10,000 \/ 10,000 traces \| 0 s left\n$/);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const stream = sink(false);
    const bar = startProgress('generating', 10, { unit: 'traces', stream });
    bar.update(5);
    bar.stop();
    expect(stream.text()).toBe('');
  });
});
