import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// chDB binds one data directory per process: every test file gets its own forked process.
// Most files spend their time waiting on child processes (collectors, the packed CLI, a browser),
// so one more worker than cores keeps both cores busy; vitest's default (cores − 1) ran the suite
// one file at a time on CI's 2 cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: availableParallelism() + 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
