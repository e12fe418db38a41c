import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { startTestServer, type TestServer } from '../support/server.js';
import { raw } from '../support/client.js';
import { createTestChat, createTestMessage, createUser, type TestUser } from '../support/factories.js';
import { connect } from '../support/ws-contract.js';

// A Redis of this file's own (redis-server on a free port), so it can be killed and restarted
// without touching the shared one on 6379.
let port: number;
let redis: ChildProcess | undefined;
let server: TestServer;
let owner: TestUser;
const prefix = `t66test:${crypto.randomUUID()}:`;

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function startRedis() {
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    const ready = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ready) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server did not start');
}

async function stopRedis() {
  if (!redis || redis.exitCode !== null) return;
  const exited = new Promise((resolve) => redis!.once('exit', resolve));
  redis.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  server = await startTestServer({
    env: { REDIS_URL: `redis://127.0.0.1:${port}`, T66_REDIS_PREFIX: prefix, T66_RATE_LIMIT_COMPLETIONS: '2/1h' },
  });
  owner = await createUser(server.api);
});
afterAll(stopRedis);

const complete = () => raw(server.api, 'POST', '/chat/completions', { token: owner.token, body: '{}' });

async function eventually<T>(attempt: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a Redis outage after start', () => {
  it('lets limited requests through and keeps local sockets served; both recover when Redis is back', async () => {
    const chatId = (await createTestChat(server.api, owner.token)).id;
    const socket = await connect(server.url, owner.token);
    socket.send({ type: 'join', chat_id: chatId });
    await socket.expectFrame((f) => f.type === 'presence');

    await stopRedis();
    for (let i = 0; i < 3; i++) {
      const res = await complete();
      expect(res.status).toBe(400); // not 429 (limits fail open), not 500, and no wait on Redis
      expect(res.headers.get('x-ratelimit-remaining')).toBeNull();
    }
    const message = await createTestMessage(server.api, owner.token, { chat: chatId, content: 'while Redis is down' });
    expect(await socket.expectFrame((f) => f.type === 'message.created')).toMatchObject({ message: { id: message.id } });

    await startRedis();
    // The command connection is back: counting resumes in the restarted (empty) Redis.
    const first = await eventually(async () => {
      const res = await complete();
      return res.headers.get('x-ratelimit-remaining') === null ? undefined : res;
    });
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    await complete();
    expect((await complete()).status).toBe(429);

    // The subscription is back: an event another instance publishes reaches the socket again.
    const other = createClient({ url: `redis://127.0.0.1:${port}` });
    await other.connect();
    try {
      const frame = { type: 'chat.deleted', chat_id: chatId };
      await eventually(async () => {
        await other.publish(`${prefix}realtime`, JSON.stringify({ origin: 'another-instance', chatId, userId: owner.user.id, frame }));
        await new Promise((r) => setTimeout(r, 100));
        return socket.received.some((f) => f.type === 'chat.deleted') ? true : undefined;
      });
    } finally {
      await other.close();
    }
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
  });
});
