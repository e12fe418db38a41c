import { defineConfig } from 'vitest/config';

// Every test file runs twice: once on the embedded PGlite, once on the real PostgreSQL.
export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Files mostly wait on their servers and databases, so three at a time fit two cores
    // (vitest's default here would be one, which makes the suite needlessly slow).
    maxWorkers: 3,
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    projects: [
      { extends: true, test: { name: 'pglite', env: { T66_TEST_DB: 'pglite' } } },
      { extends: true, test: { name: 'postgres', env: { T66_TEST_DB: 'postgres' } } },
    ],
  },
});
