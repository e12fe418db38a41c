import { beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { deleteChat, getMessage, logoutUser, updateChat } from '../../generated/sdk.gen.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { apiClient } from '../support/client.js';
import { createTestChat, createTestMessage, createUser, type TestUser } from '../support/factories.js';
import { connect, refusedUpgrade, wsUrl, type Frame } from '../support/ws-contract.js';

let server: TestServer;
let owner: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  owner = await createUser(server.api);
});

/** A chat of the user's, created over REST. */
async function newChat(user: TestUser = owner): Promise<string> {
  return (await createTestChat(server.api, user.token, { title: 'Realtime test' })).id;
}

const ofType = (type: string, extra: Record<string, unknown> = {}) => (frame: Frame) =>
  frame.type === type && Object.entries(extra).every(([key, value]) => frame[key] === value);

describe('connecting', () => {
  it('refuses an upgrade without a token with 401 and the error envelope', async () => {
    const { status, body } = await refusedUpgrade(wsUrl(server.url));
    expect(status).toBe(401);
    expect(body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it('refuses a token that is not valid', async () => {
    const forged = owner.token.slice(0, -4) + (owner.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const token of ['nonsense', forged]) {
      const { status, body } = await refusedUpgrade(wsUrl(server.url, token));
      expect(status).toBe(401);
      expect(body).toMatchObject({ error: { code: 'invalid_token' } });
    }
  });

  it('refuses a token revoked by logout', async () => {
    const user = await createUser(server.api);
    await logoutUser({ client: apiClient(server.api, user.token) });
    const { status, body } = await refusedUpgrade(wsUrl(server.url, user.token));
    expect(status).toBe(401);
    expect(body).toMatchObject({ error: { code: 'token_revoked' } });
  });

  it('answers 404 to an upgrade on another path', async () => {
    const { status, body } = await refusedUpgrade(wsUrl(server.url, owner.token).replace('/ws', '/socket'));
    expect(status).toBe(404);
    expect(body).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('join, leave and typing between two sockets', () => {
  it('tells the room who joined, passes typing to the others only, and who left', async () => {
    const chatId = await newChat();
    const first = await connect(server.url, owner.token);
    const second = await connect(server.url, owner.token);

    first.send({ type: 'join', chat_id: chatId });
    await first.expectFrame(ofType('presence', { chat_id: chatId, state: 'joined', user_id: owner.user.id }));
    second.send({ type: 'join', chat_id: chatId });
    await second.expectFrame(ofType('presence', { chat_id: chatId, state: 'joined' }));
    await first.expectFrame(ofType('presence', { chat_id: chatId, state: 'joined' }));

    first.send({ type: 'typing', chat_id: chatId, user_id: 'someone_else' });
    const typing = await second.expectFrame(ofType('typing'));
    // The server names the token's user, whatever the client claimed.
    expect(typing).toEqual({ type: 'typing', chat_id: chatId, user_id: owner.user.id });
    await first.expectNoFrame(ofType('typing'));

    second.send({ type: 'leave', chat_id: chatId });
    await second.expectFrame(ofType('presence', { state: 'left' }));
    await first.expectFrame(ofType('presence', { chat_id: chatId, state: 'left' }));
    first.send({ type: 'typing', chat_id: chatId });
    await second.expectNoFrame(ofType('typing'));
  });

  it('announces left to the room when a socket closes', async () => {
    const chatId = await newChat();
    const staying = await connect(server.url, owner.token);
    const leaving = await connect(server.url, owner.token);
    staying.send({ type: 'join', chat_id: chatId });
    await staying.expectFrame(ofType('presence', { state: 'joined' }));
    leaving.send({ type: 'join', chat_id: chatId });
    await staying.expectFrame(ofType('presence', { state: 'joined' }));
    await leaving.close();
    await staying.expectFrame(ofType('presence', { chat_id: chatId, state: 'left' }));
  });

  it('refuses typing in a room the socket has not joined', async () => {
    const chatId = await newChat();
    const socket = await connect(server.url, owner.token);
    socket.send({ type: 'typing', chat_id: chatId });
    const error = await socket.expectFrame(ofType('error'));
    expect(error.error).toMatchObject({ code: 'not_joined' });
  });
});

describe('a forbidden join', () => {
  it('answers an error for another user\'s chat or a missing one, and keeps the connection open', async () => {
    const stranger = await createUser(server.api);
    const theirs = await newChat(stranger);
    const socket = await connect(server.url, owner.token);

    for (const chatId of [theirs, 'chat_doesnotexist0000']) {
      socket.send({ type: 'join', chat_id: chatId });
      const error = await socket.expectFrame(ofType('error'));
      expect(error.error).toMatchObject({ code: 'forbidden', details: { chat_id: chatId } });
    }
    // Events of the stranger's chat do not reach the socket.
    server.context.events.publish({ type: 'chat.deleted', userId: stranger.user.id, chatId: theirs });
    await socket.expectNoFrame(ofType('chat.deleted'));

    const mine = await newChat();
    socket.send({ type: 'join', chat_id: mine });
    await socket.expectFrame(ofType('presence', { chat_id: mine, state: 'joined' }));
  });
});

describe('bad frames', () => {
  it('answers an error event for each and keeps the connection open', async () => {
    const socket = await connect(server.url, owner.token);
    const cases: [string | Buffer, string, boolean?][] = [
      ['{not json', 'invalid_json'],
      ['[1,2]', 'invalid_frame'],
      [JSON.stringify({ chat_id: 'chat_x' }), 'invalid_frame'],
      [JSON.stringify({ type: 'shout', chat_id: 'chat_x' }), 'unknown_type'],
      [JSON.stringify({ type: 'join' }), 'invalid_frame'],
      [JSON.stringify({ type: 'join', chat_id: 42 }), 'invalid_frame'],
      [JSON.stringify({ type: 'leave', chat_id: 'chat_x', extra: true }), 'invalid_frame'],
      [Buffer.from('{"type":"join","chat_id":"chat_x"}'), 'invalid_frame', true],
    ];
    for (const [data, code, binary] of cases) {
      socket.sendRaw(data, { binary });
      const error = await socket.expectFrame(ofType('error'));
      expect(error.error, String(data)).toMatchObject({ code });
    }
    expect(socket.received.find((f) => f.type === 'error' && (f.error as { code: string }).code === 'unknown_type')).toMatchObject({
      error: { details: { allowed: ['join', 'leave', 'typing'] } },
    });
    socket.sendRaw(JSON.stringify({ type: 'join' }));
    expect((await socket.expectFrame(ofType('error'))).error).toMatchObject({ details: { missing_fields: ['chat_id'] } });

    const chatId = await newChat();
    socket.send({ type: 'join', chat_id: chatId });
    await socket.expectFrame(ofType('presence', { state: 'joined' }));
  });

  it('closes the connection with 1009 on a frame over the size limit (64 KiB by default)', async () => {
    const socket = await connect(server.url, owner.token);
    socket.sendRaw(JSON.stringify({ type: 'join', chat_id: 'x'.repeat(64 * 1024) }));
    expect((await socket.closed).code).toBe(1009);
  });

  it('accepts a frame just under the limit (and refuses it for its content)', async () => {
    const socket = await connect(server.url, owner.token);
    const frame = JSON.stringify({ type: 'join', chat_id: '' });
    socket.sendRaw(frame.replace('""', `"${'x'.repeat(64 * 1024 - frame.length)}"`));
    expect((await socket.expectFrame(ofType('error'))).error).toMatchObject({ code: 'invalid_frame' });
  });
});

describe('changes made over REST reach the room', () => {
  it('delivers a message created over REST as message.created, to the room only', async () => {
    const chatId = await newChat();
    const inRoom = await connect(server.url, owner.token);
    const elsewhere = await connect(server.url, owner.token);
    inRoom.send({ type: 'join', chat_id: chatId });
    await inRoom.expectFrame(ofType('presence'));

    const message = await createTestMessage(server.api, owner.token, { chat: chatId, content: 'Hello, room', role: 'user' });
    expect(await inRoom.expectFrame(ofType('message.created'))).toEqual({ type: 'message.created', chat_id: chatId, message });
    await elsewhere.expectNoFrame(() => true);
  });

  it('delivers chat.updated and chat.deleted, then closes the room', async () => {
    const chatId = await newChat();
    const socket = await connect(server.url, owner.token);
    socket.send({ type: 'join', chat_id: chatId });
    await socket.expectFrame(ofType('presence'));

    const { data: chat } = await updateChat({ client: apiClient(server.api, owner.token), path: { id: chatId }, body: { title: 'Renamed' } });
    expect(await socket.expectFrame(ofType('chat.updated'))).toEqual({ type: 'chat.updated', chat_id: chatId, chat });
    await deleteChat({ client: apiClient(server.api, owner.token), path: { id: chatId } });
    expect(await socket.expectFrame(ofType('chat.deleted'))).toEqual({ type: 'chat.deleted', chat_id: chatId });

    // The room is gone: typing there is refused.
    socket.send({ type: 'typing', chat_id: chatId });
    expect((await socket.expectFrame(ofType('error'))).error).toMatchObject({ code: 'not_joined' });
  });

  it('streams a completion bound to the chat as message.delta frames that add up to the stored answer', async () => {
    const chatId = await newChat();
    const secondTab = await connect(server.url, owner.token);
    secondTab.send({ type: 'join', chat_id: chatId });
    await secondTab.expectFrame(ofType('presence'));

    const sdk = new OpenAI({ baseURL: server.api, apiKey: owner.token, maxRetries: 0 });
    const stream = await sdk.chat.completions.create({
      model: 'local-dev',
      messages: [{ role: 'user', content: 'Tell the other tab a story' }],
      stream: true,
      chat: chatId,
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';

    const created = await secondTab.expectFrame((f) => f.type === 'message.created' && (f.message as { role: string }).role === 'assistant');
    const stored = created.message as { id: string; content: string };
    const deltas = secondTab.received.filter((f) => f.type === 'message.delta');
    expect(deltas.length).toBeGreaterThan(1);
    for (const delta of deltas) expect(delta).toMatchObject({ chat_id: chatId, message_id: stored.id });
    const { data: readBack } = await getMessage({ client: apiClient(server.api, owner.token), path: { id: stored.id } });
    expect(deltas.map((d) => d.delta).join('')).toBe(readBack!.content);
    expect(readBack!.content).toBe(streamed);
    // Every delta arrived before the stored message.
    expect(secondTab.received.indexOf(created)).toBeGreaterThan(
      secondTab.received.findLastIndex((f) => f.type === 'message.delta'),
    );
  });
});

describe('slow consumers', () => {
  it('are closed (4008) once too much is queued for them, instead of buffering without bound', async () => {
    // Default limits: 1 MiB queued per socket, 30 s heartbeats (so the paused client is not dropped as dead first).
    const chatId = await newChat();
    const socket = await connect(server.url, owner.token);
    socket.send({ type: 'join', chat_id: chatId });
    await socket.expectFrame(ofType('presence'));
    socket.ws.pause(); // stop reading: the kernel buffers fill, then the server's queue grows
    const sent = 1000;
    const delta = 'x'.repeat(32 * 1024); // 32 MB in all, far beyond what socket buffers hold
    for (let i = 0; i < sent; i++) {
      server.context.events.publish({ type: 'message.delta', userId: owner.user.id, chatId, messageId: 'msg_slow', delta });
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    socket.ws.resume();
    const { code } = await socket.closed;
    expect(code).toBe(4008);
    const delivered = socket.received.filter((f) => f.type === 'message.delta').length;
    expect(delivered).toBeGreaterThan(0);
    // What got through is what the socket buffers held plus the 1 MiB queue: a fraction of what was sent.
    expect(delivered).toBeLessThan(sent / 2);
  });
});

describe('logout', () => {
  it('closes the sockets opened with the revoked token (4001) and leaves the others open', async () => {
    const session = await createUser(server.api);
    const other = await createUser(server.api);
    const socket = await connect(server.url, session.token);
    const untouched = await connect(server.url, other.token);
    await logoutUser({ client: apiClient(server.api, session.token) });
    expect(await socket.closed).toEqual({ code: 4001, reason: 'The token was revoked' });
    expect(untouched.ws.readyState).toBe(untouched.ws.OPEN);
  });
});
