import { defineConfig } from 'vitest/config';

// Two cores on CI: two forks keep PGlite instances (about 800 MiB each) and the QuickJS runs within memory.
export default defineConfig({
  test: {
    include: ['{protocol,firmware,simulator,cloud,hardware-tests,scripts}/test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
