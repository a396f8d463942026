import { defineConfig } from 'vitest/config';

// One run over every workspace that has tests: unit and conformance suites in libs/ and
// services/, the raw driver's decider and history checks in bench/, end-to-end suites in test/ (which
// configures its own timeouts).
export default defineConfig({
  test: {
    projects: ['libs/*', 'services/*', 'bench', 'test'],
  },
});
