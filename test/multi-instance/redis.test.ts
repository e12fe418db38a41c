import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { logoutUser } from '../../generated/sdk.gen.js';
import { startTestServer, testDb, type TestServer } from '../support/server.js';
import { apiClient, raw } from '../support/client.js';
import { createTestChat, createTestMessage, createUser, type TestUser } from '../support/factories.js';
import { connect, type Frame } from '../support/ws-contract.js';

// Two instances must share one database. Embedded PGlite belongs to a single
// process, so these run in the postgres project only (as a deployment would).
const sharedDatabase = testDb() === 'postgres';

describe.skipIf(!sharedDatabase)('two instances sharing PostgreSQL and Redis', () => {
  let a: TestServer;
  let b: TestServer;
  let owner: TestUser;

  beforeAll(async () => {
    const env = {
      REDIS_URL: process.env.T66_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      // A prefix of its own, so parallel test runs sharing this Redis never see each other's keys.
      T66_REDIS_PREFIX: `t66test:${randomUUID()}:`,
      JWT_SECRET: 'multi-instance-secret-long-enough-for-hs256-0123456789',
      T66_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      T66_RATE_LIMIT_COMPLETIONS: '3/1h',
    };
    a = await startTestServer({ env });
    b = await startTestServer({ env, reuse: { dataDir: a.dataDir, databaseUrl: a.databaseUrl } });
    owner = await createUser(a.api);
  });

  const ofType = (type: string) => (frame: Frame) => frame.type === type;

  it('delivers a message created through B to a socket on A', async () => {
    const chatId = (await createTestChat(a.api, owner.token)).id;
    const onA = await connect(a.url, owner.token);
    onA.send({ type: 'join', chat_id: chatId });
    await onA.expectFrame(ofType('presence'));

    const message = await createTestMessage(b.api, owner.token, { chat: chatId, content: 'hello from B' });
    expect(await onA.expectFrame(ofType('message.created'))).toEqual({ type: 'message.created', chat_id: chatId, message });
    // Delivered once, not once locally and again through Redis.
    await onA.expectNoFrame(ofType('message.created'));
  });

  it('carries presence and typing between sockets on different instances', async () => {
    const chatId = (await createTestChat(a.api, owner.token)).id;
    const onA = await connect(a.url, owner.token);
    const onB = await connect(b.url, owner.token);
    onA.send({ type: 'join', chat_id: chatId });
    await onA.expectFrame(ofType('presence'));
    onB.send({ type: 'join', chat_id: chatId });
    await onB.expectFrame(ofType('presence'));
    await onA.expectFrame((f) => f.type === 'presence' && f.state === 'joined');

    onB.send({ type: 'typing', chat_id: chatId });
    expect(await onA.expectFrame(ofType('typing'))).toEqual({ type: 'typing', chat_id: chatId, user_id: owner.user.id });
    await onB.expectNoFrame(ofType('typing'));

    await onB.close();
    await onA.expectFrame((f) => f.type === 'presence' && f.state === 'left');
  });

  it('closes a socket on A when its token is revoked through B', async () => {
    const session = await createUser(a.api);
    const onA = await connect(a.url, session.token);
    await logoutUser({ client: apiClient(b.api, session.token) });
    // A learns of the revocation by polling the database (every second).
    expect((await onA.closed).code).toBe(4001);
  });

  it('holds a per-user rate limit across both instances', async () => {
    const user = await createUser(a.api);
    const complete = (server: TestServer) => raw(server.api, 'POST', '/chat/completions', { token: user.token, body: '{}' });
    const remaining = [];
    for (const server of [a, b, a]) {
      const res = await complete(server);
      expect(res.status).not.toBe(429);
      remaining.push(res.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await complete(b);
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
