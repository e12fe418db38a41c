import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { createUser } from '../support/factories.js';
import { raw } from '../support/client.js';

describe('a restart with no configuration', () => {
  it('keeps users, tokens and revocations (the JWT secret persists in the data dir)', async () => {
    const first = await startTestServer();
    const kept = await createUser(first.api);
    const revoked = await createUser(first.api);
    expect((await raw(first.api, 'POST', '/auth/logout', { token: revoked.token })).status).toBe(204);
    await first.close().catch(() => {});
    const second = await startTestServer({ reuse: { dataDir: first.dataDir, databaseUrl: first.databaseUrl } });
    const login = await raw(second.api, 'POST', '/auth/login', { body: JSON.stringify({ email: kept.email, password: kept.password }) });
    expect(login.status).toBe(200);
    expect((await raw(second.api, 'POST', '/auth/refresh', { token: kept.token })).status).toBe(200);
    expect((await raw(second.api, 'POST', '/auth/refresh', { token: revoked.token })).status).toBe(401);
  });
});
