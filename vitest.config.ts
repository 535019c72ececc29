import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'e2e/**', 'test/consumer/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: run files in parallel but not more than the machine can carry.
    maxWorkers: 2,
  },
});
