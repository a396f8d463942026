import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'cluster',
    include: ['src/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
