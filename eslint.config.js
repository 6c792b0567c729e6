import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.state/**', '**/coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/../packages/*/src/**', '../../*/src/**'], message: 'import packages through their exports' },
          ],
        },
      ],
    },
  },
  {
    files: ['services/console/web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Only a service's composition root and config read the environment.
    files: ['packages/*/src/**/*.ts', 'services/*/src/**/*.ts'],
    ignores: ['**/main.ts', '**/*.test.ts', 'packages/testkit/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read config in main.ts via loadConfig' },
      ],
    },
  },
  {
    // domain/ is pure: no I/O libraries, no other layers.
    files: ['services/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/http/*', '**/store/*', '**/consumers/*', '**/use-cases/*'], message: 'domain/ is pure' },
            {
              group: [
                'pg',
                'ioredis',
                'kafkajs',
                'bullmq',
                'express',
                '@handoff/db',
                '@handoff/kafka',
                '@handoff/http',
              ],
              message: 'domain/ does no I/O',
            },
          ],
        },
      ],
    },
  },
  {
    // Use cases, stores and handlers know nothing of HTTP: they take the caller as a Principal
    // (@handoff/contracts) and refuse with a Refusal (@handoff/errors); http/ maps those to statuses.
    files: [
      'services/*/src/use-cases/**/*.ts',
      'services/*/src/store/**/*.ts',
      'services/*/src/consumers/**/*.ts',
      'services/*/src/jobs/**/*.ts',
      'services/*/src/timers/**/*.ts',
    ],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/../packages/*/src/**', '../../*/src/**'], message: 'import packages through their exports' },
            { group: ['**/http/*'], message: 'only http/ knows HTTP' },
            { group: ['@handoff/http', 'express'], message: 'only http/ knows HTTP: use Principal and Refusal' },
          ],
        },
      ],
    },
  },
);
