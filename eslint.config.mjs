// One lint for the monorepo: typescript-eslint's recommended rules, plus the package contracts —
// no import reaches into another package's build output (use the package's `exports`), and no
// import cycle inside a package.
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'libs/proto/src/generated/**',
      'libs/proto/.staging/**',
      'test/.work/**',
      'test/.venv/**',
      'bench/results/**',
      '.tools/**',
    ],
  },
  {
    files: ['**/*.ts', '**/*.mts'],
    extends: [tseslint.configs.recommended],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.mts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@kairos/[^/]+/(dist|src)(/|$)',
              message: "Import the package through its exports map, never its dist/ or src/ folder.",
            },
            {
              regex: '(^|/)dist(/|$)',
              message: 'Import source modules, never build output.',
            },
            {
              regex: '^(\\.\\./)+(libs|services)/',
              message: "Import another package by its name (@kairos/…), never by a relative path into its folder.",
            },
          ],
        },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      // A generator middleware or a Proxy handler needs the object it belongs to under a name.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['metrics'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // History's layers: the workflow core (one run's state machine) knows nothing of the service
    // around it; shard ownership and the execution cache know the core only; the queues and the
    // API handlers use both, and a handler never imports another (shared pieces live in api/shared).
    files: ['services/history/src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './services/history/src/workflow',
              from: ['./services/history/src/api', './services/history/src/shard', './services/history/src/queues', './services/history/src/historyService.ts'],
              message: 'The workflow core must not depend on the service around it.',
            },
            {
              target: './services/history/src/shard',
              from: ['./services/history/src/api', './services/history/src/queues', './services/history/src/historyService.ts'],
              message: 'Shard ownership and the execution cache know the workflow core only.',
            },
            {
              target: './services/history/src/queues',
              from: ['./services/history/src/api', './services/history/src/historyService.ts'],
              message: 'Queue executors call the core, never the API handlers.',
            },
            {
              // A handler's own test (next to it) imports the handler it tests.
              target: './services/history/src/api/!(*.test).ts',
              from: './services/history/src/api',
              except: ['./shared', './context.ts'],
              message: 'An API handler never imports another; put what they share in api/shared.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests drive the SDKs' raw, loosely typed APIs (protobufjs messages, interceptors).
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
