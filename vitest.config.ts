import { defineConfig } from 'vitest/config';

// chDB binds one data directory per process: every test file gets its own forked process.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
