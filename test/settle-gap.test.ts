// The gap before a run after an insert: the configured least gap, stretched when runs grow long
// (a saturated engine), so that runs grow larger and cheaper per trace instead of more frequent.
import { describe, expect, it } from 'vitest';
import { GAP_PER_RUN, nextGapMs } from '../store/settle.js';

describe('the gap between runs after inserts', () => {
  it('is the configured gap while runs are short', () => {
    expect(nextGapMs(1_000, 0)).toBe(1_000);
    expect(nextGapMs(1_000, 1_000 / GAP_PER_RUN)).toBe(1_000);
  });

  it('grows with the last run once that run took more than the gap allows', () => {
    expect(nextGapMs(1_000, 800)).toBe(GAP_PER_RUN * 800);
    expect(nextGapMs(1_000, 2_000)).toBe(GAP_PER_RUN * 2_000);
  });

  it('stays 0 when settling after every insert was asked for', () => {
    expect(nextGapMs(0, 5_000)).toBe(0);
  });
});
