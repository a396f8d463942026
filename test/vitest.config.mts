import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The project name the root config knows this workspace by (`vitest run --project '!e2e'`).
    name: 'e2e',
    include: ['e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    // Suites start real servers; running files one at a time keeps the 2-core machine honest.
    // This only applies when vitest runs with this file as its config (scripts/test.sh does:
    // `cd test && npx vitest run`); under the root config, fileParallelism is a root option.
    fileParallelism: false,
    pool: 'forks',
    // Searches every log of the run for the secrets the suites gave their servers.
    globalSetup: ['./src/globalSetup.ts'],
  },
});
