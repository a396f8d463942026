import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The project name the root config knows this workspace by (`vitest run --project @kairos/history`).
    name: '@kairos/history',
    include: ['src/**/*.test.ts'],
    server: {
      deps: {
        // The other workspace packages are used through their built dist/ (CommonJS), as in
        // production, loaded by Node rather than transformed by Vitest for every test file: the
        // generated protos are most of the suite's start-up time (as in services/matching).
        external: [/\/(libs|services)\/[^/]+\/dist\//],
      },
    },
  },
});
