import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Suites start real servers; running files one at a time keeps the 2-core machine honest.
    fileParallelism: false,
    pool: 'forks',
  },
});
