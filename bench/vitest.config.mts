import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The project name the root config knows this workspace by (pure logic only: no servers).
    name: 'bench',
    include: ['src/**/*.test.ts'],
  },
});
