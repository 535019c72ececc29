import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The consumer test (`npm run test:consumer`): packs and installs the package, so it runs alone,
 * after the other suites, with room for npm and a loaded machine.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/consumer/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
