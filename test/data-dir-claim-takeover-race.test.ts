// Several collectors starting at once on a data directory that a dead collector left behind: every
// time, exactly one takes the folder over and the others are refused as busy. Each contender is a
// process of its own calling the claim (as `verdict serve` does first thing), all released at the
// same moment, round after round.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../schema/sql-files.js';
import { newDataDir } from './helpers/collector-process.js';

const CLAIM_MODULE = join(PACKAGE_ROOT, 'dist', 'store', 'data-dir-claim.js');

// Prints "ready", claims on "go" and prints won / busy, holds the claim until its stdin closes.
const CONTENDER = `
import { claimDataDir } from ${JSON.stringify(CLAIM_MODULE)};
import { createInterface } from 'node:readline';
let claim;
const lines = createInterface({ input: process.stdin });
lines.on('line', () => {
  try {
    claim = claimDataDir(process.argv[1]);
    console.log('won');
  } catch (err) {
    console.log(err.code === 'DATA_DIR_BUSY' ? 'busy' : 'error ' + err.message);
  }
});
lines.on('close', () => {
  claim?.release();
  process.exit(0);
});
console.log('ready');
`;

interface Contender {
  child: ChildProcess;
  next(): Promise<string>;
}

function contender(dir: string): Contender {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CONTENDER, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const queued: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else queued.push(line);
  });
  return { child, next: () => new Promise((resolve) => (queued.length > 0 ? resolve(queued.shift()!) : waiting.push(resolve))) };
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('taking over a data directory left by a dead collector', () => {
  it('lets exactly one of several contenders started together win, every round', async () => {
    const ROUNDS = 15;
    const CONTENDERS = 4;
    const outcomes: string[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const dir = newDataDir();
      // The previous owner: claims, then dies without releasing.
      const dead = contender(dir);
      expect(await dead.next()).toBe('ready');
      dead.child.stdin!.write('go\n');
      expect(await dead.next()).toBe('won');
      dead.child.kill('SIGKILL');
      await exited(dead.child);

      const all = Array.from({ length: CONTENDERS }, () => contender(dir));
      for (const c of all) expect(await c.next()).toBe('ready');
      for (const c of all) c.child.stdin!.write('go\n');
      outcomes.push(await Promise.all(all.map((c) => c.next())));
      for (const c of all) c.child.stdin!.end();
      await Promise.all(all.map((c) => exited(c.child)));
    }
    for (const round of outcomes) expect(round.slice().sort()).toEqual(['busy', 'busy', 'busy', 'won']);
  }, 120_000);
});
