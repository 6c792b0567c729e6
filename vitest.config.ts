import { defineConfig } from 'vitest/config';

// One run, two projects: pure unit tests, and integration + end-to-end tests
// that share the project's own Postgres, Redis and broker (started once by the
// testkit's global setup). Timings are measured by `npm run bench`, never asserted here.
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: [
            'packages/*/src/**/*.test.ts',
            'services/*/src/**/*.test.ts',
            'services/console/web/src/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['packages/*/src/**/*.int.test.ts', 'services/*/src/**/*.int.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          globalSetup: ['packages/testkit/dist/global-setup.js'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
          // Two cores: files run two at a time; each test isolates itself with its own schema and topic prefix.
          maxWorkers: 2,
        },
      },
    ],
  },
});
