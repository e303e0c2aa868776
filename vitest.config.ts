import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The keychain (Secret Service over D-Bus) and child processes are shared resources; keep parallelism modest.
    maxWorkers: 2,
  },
});
