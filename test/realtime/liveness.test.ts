import { beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestChat, createUser, type TestUser } from '../support/factories.js';
import { connect } from '../support/ws-contract.js';

const JWT_SECRET = 'liveness-test-secret-long-enough-for-hs256-0123456789';
let server: TestServer;
let owner: TestUser;

beforeAll(async () => {
  server = await startTestServer({
    env: {
      JWT_SECRET,
      T66_WS_HEARTBEAT_MS: '200',
      T66_WS_MAX_FRAMES_PER_MINUTE: '20',
      T66_WS_MAX_ROOMS: '2',
    },
  });
  owner = await createUser(server.api);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function joinedSocket(options: Parameters<typeof connect>[2] = {}) {
  const chatId = (await createTestChat(server.api, owner.token)).id;
  const socket = await connect(server.url, owner.token, options);
  socket.send({ type: 'join', chat_id: chatId });
  await socket.expectFrame((f) => f.type === 'presence');
  return { socket, chatId };
}

describe('heartbeats', () => {
  it('keep a client that answers pings connected', async () => {
    const { socket } = await joinedSocket();
    await sleep(1000); // five heartbeats
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
  });

  it('drop a client that stops answering pings', async () => {
    const { socket } = await joinedSocket({ autoPong: false });
    const started = Date.now();
    const { code } = await socket.closed;
    expect(code).toBe(1006); // cut without a close frame: the peer is presumed dead
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('close a socket whose token expires (4001)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const shortLived = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(owner.user.id)
      .setJti(crypto.randomUUID())
      .setIssuer('t66')
      .setIssuedAt(now)
      .setExpirationTime(now + 2)
      .sign(new TextEncoder().encode(JWT_SECRET));
    const socket = await connect(server.url, shortLived);
    expect(await socket.closed).toEqual({ code: 4001, reason: 'The token expired' });
  });
});

describe('rooms per socket', () => {
  it('are capped: one more join answers too_many_rooms, and leaving makes room again', async () => {
    const chats = await Promise.all([1, 2, 3].map(async () => (await createTestChat(server.api, owner.token)).id));
    const socket = await connect(server.url, owner.token);
    for (const chatId of chats.slice(0, 2)) {
      socket.send({ type: 'join', chat_id: chatId });
      await socket.expectFrame((f) => f.type === 'presence' && f.chat_id === chatId);
    }
    socket.send({ type: 'join', chat_id: chats[2] });
    expect((await socket.expectFrame((f) => f.type === 'error')).error).toMatchObject({ code: 'too_many_rooms' });
    socket.send({ type: 'leave', chat_id: chats[0] });
    await socket.expectFrame((f) => f.type === 'presence' && f.state === 'left');
    socket.send({ type: 'join', chat_id: chats[2] });
    await socket.expectFrame((f) => f.type === 'presence' && f.chat_id === chats[2] && f.state === 'joined');
  });
});

describe('frame rate', () => {
  it('answers rate_limited past the per-minute budget, without closing', async () => {
    const { socket, chatId } = await joinedSocket(); // the join was frame 1
    for (let i = 0; i < 19; i++) socket.send({ type: 'typing', chat_id: chatId });
    socket.send({ type: 'typing', chat_id: chatId });
    const error = await socket.expectFrame((f) => f.type === 'error');
    expect(error.error).toMatchObject({ code: 'rate_limited' });
    expect(socket.received.filter((f) => f.type === 'error')).toHaveLength(1);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
  });
});
