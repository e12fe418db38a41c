import { afterAll } from 'vitest';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createTestDataDir, createTestPostgres } from './databases.js';
import { registerServer, unregisterServer } from './contract.js';

export type TestDb = 'pglite' | 'postgres';

export interface TestServer extends RunningServer {
  /** Base URL of the API, e.g. http://127.0.0.1:41234/api */
  api: string;
  db: TestDb;
  dataDir: string;
  databaseUrl: string | undefined;
}

/** The backend this test project runs on (vitest.config.ts runs every file on both). */
export function testDb(): TestDb {
  return process.env.T66_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

export interface TestServerOptions {
  /** Extra environment variables, as an operator would set them. */
  env?: Record<string, string>;
  db?: TestDb;
  /** Reuse a database (and data dir) of an earlier server, e.g. to test a restart. */
  reuse?: { dataDir: string; databaseUrl: string | undefined };
  /** Where log lines go (default: nowhere), e.g. to assert that secrets are never logged. */
  logStream?: NodeJS.WritableStream;
}

/**
 * Starts a real T66 server on 127.0.0.1 with its own fresh database, and stops
 * it (and drops the database) after the file's tests.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const db = options.db ?? testDb();
  const cleanups: (() => Promise<void>)[] = [];
  let dataDir = options.reuse?.dataDir;
  let databaseUrl = options.reuse?.databaseUrl;
  if (!options.reuse) {
    const dir = await createTestDataDir(db === 'pglite');
    dataDir = dir.dir;
    cleanups.push(dir.remove);
    if (db === 'postgres') {
      const pg = await createTestPostgres();
      databaseUrl = pg.url;
      cleanups.push(pg.drop);
    }
  }
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    T66_DATA_DIR: dataDir!,
    LOG_LEVEL: process.env.T66_TEST_LOG_LEVEL ?? 'silent',
    // Fast hashing keeps the suite quick; production uses the stronger default.
    T66_ARGON2_MEMORY_KIB: '1024',
    // The seed's limits (10 auth requests a minute per IP) would trip files that register many users
    // from 127.0.0.1; test/ratelimit sets small ones on purpose.
    T66_RATE_LIMIT_AUTH: '100000/1m',
    T66_RATE_LIMIT_COMPLETIONS: '100000/1m',
    T66_RATE_LIMIT_IMAGES: '100000/1m',
    T66_RATE_LIMIT_UPLOADS: '100000/1m',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...options.env,
  });
  const logger = options.logStream ? pino({ level: 'debug' }, options.logStream) : pino({ level: config.logLevel });
  const running = await startServer(config, logger);
  const origin = new URL(running.url).origin;
  registerServer(origin);
  let stopped = false;
  const server: TestServer = {
    ...running,
    api: `${running.url}/api`,
    db,
    dataDir: dataDir!,
    databaseUrl,
    // Stops the server but keeps its database until the file ends, so a test can start another on it.
    close: async () => {
      if (stopped) return;
      stopped = true;
      unregisterServer(origin);
      await running.close();
    },
  };
  afterAll(async () => {
    await server.close();
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  return server;
}
