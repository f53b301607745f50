// The line users' queries wait in (store/user-sql.ts): at most N run, the rest wait in order, one
// whose caller gives up leaves the line without taking a place, and closing it refuses the waiting
// with the shutdown error.
import { describe, expect, it } from 'vitest';
import { concurrencyGate } from '../store/user-sql.js';

describe('the users\' SQL line', () => {
  it('admits N at once, then in order as places free up; an aborted waiter leaves; close refuses the rest', async () => {
    const gate = concurrencyGate(2);
    const releaseA = await gate.acquire();
    await gate.acquire();
    const admitted: string[] = [];
    const abort = new AbortController();
    const c = gate.acquire(abort.signal).then(() => admitted.push('c'), (err: Error) => admitted.push(`c refused: ${err.message}`));
    const d = gate.acquire().then((release) => (admitted.push('d'), release));
    abort.abort();
    await c;
    expect(admitted).toEqual([expect.stringMatching(/^c refused: .*QUERY_WAS_CANCELLED/)]);
    releaseA();
    releaseA(); // releasing twice frees one place only
    const releaseD = await d;
    expect(admitted).toContain('d');
    const e = gate.acquire().catch((err: Error) => err.message);
    gate.close();
    expect(await e).toMatch(/shutting down/);
    await expect(gate.acquire()).rejects.toThrow(/shutting down/);
    releaseD();
  });
});
