import { defineConfig } from 'vitest/config';

// One run over every workspace that has tests: unit and conformance suites in libs/ and
// services/, end-to-end suites in test/ (which configures its own timeouts).
export default defineConfig({
  test: {
    projects: ['libs/*', 'services/*', 'test'],
  },
});
