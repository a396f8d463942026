import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'matching',
    include: ['src/**/*.test.ts'],
    testTimeout: 20_000,
    server: {
      deps: {
        // The other workspace packages are used through their built dist/ (CommonJS), as in
        // production. Load them with Node's own loader: inlined by Vitest, a module imported by
        // two paths (`@kairos/persistence` and `@kairos/persistence/errors`) would be two
        // instances, and `instanceof TaskQueueOwnershipLostError` would fail across them.
        external: [/\/(libs|services)\/[^/]+\/dist\//],
      },
    },
  },
});
