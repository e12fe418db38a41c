import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startTestServer, testDb } from '../support/server.js';

describe('T66_PGLITE_SHARED_BUFFERS', () => {
  it.each(['16MB', '512kB', '1GB'])('accepts %s', (value) => {
    expect(loadConfig({ T66_PGLITE_SHARED_BUFFERS: value }).pgliteSharedBuffers).toBe(value);
  });

  it.each(['16', '16 MB', '16MB -c fsync=off', 'lots'])('refuses %j at start, since it becomes a server parameter', (value) => {
    expect(() => loadConfig({ T66_PGLITE_SHARED_BUFFERS: value })).toThrow(/T66_PGLITE_SHARED_BUFFERS/);
  });
});

// The setting belongs to the embedded database; a PostgreSQL server keeps its own configuration.
describe.skipIf(testDb() === 'postgres')('the embedded database', () => {
  it('runs with 16MB of shared buffers by default, so that it stays small in memory', async () => {
    const server = await startTestServer();
    const { rows } = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(server.context.db);
    expect(rows[0].shared_buffers).toBe('16MB');
  });

  it('takes the size an operator sets', async () => {
    const server = await startTestServer({ env: { T66_PGLITE_SHARED_BUFFERS: '32MB' } });
    const { rows } = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(server.context.db);
    expect(rows[0].shared_buffers).toBe('32MB');
  });
});
