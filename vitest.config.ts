import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'docs/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [
            '**/*.int.test.ts',
            '**/*.faults.test.ts',
            '**/node_modules/**',
            '**/dist/**',
            'test/registry/**',
          ],
          // CLI tests spawn hoard many times; on a loaded 2-core machine one can take a minute.
          testTimeout: 120_000,
        },
      },
      {
        // Fault injection (issue 9): kills, stalls and starves real processes and banks.
        test: {
          name: 'faults',
          include: ['packages/*/src/**/*.faults.test.ts'],
          testTimeout: 1_200_000,
          hookTimeout: 600_000,
        },
      },
      {
        // Publishes every package to a local Verdaccio and installs them as a user would.
        test: {
          name: 'registry',
          include: ['test/registry/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'integration',
          globalSetup: ['test/minicloud/globalSetup.ts'],
          include: ['packages/*/src/**/*.int.test.ts', 'test/**/*.int.test.ts', 'docs/**/*.int.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
