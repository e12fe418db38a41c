import { beforeAll, describe, expect, it } from 'vitest';
import type { Chat, Message, UserSettings } from '../../generated/types.gen.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { raw } from '../support/client.js';
import { createTestChat, createTestMessage, createUser, type TestUser } from '../support/factories.js';

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let aliceChat: Chat;
let aliceMessage: Message;
let aliceSettings: UserSettings;

/** Everything of Alice's as stored, to prove nothing Bob does changes it. */
async function snapshot() {
  const db = server.context.db;
  return {
    chats: await db.selectFrom('chats').selectAll().where('user_id', '=', alice.user.id).orderBy('id').execute(),
    messages: await db.selectFrom('messages').selectAll().where('user_id', '=', alice.user.id).orderBy('id').execute(),
    settings: await db.selectFrom('user_settings').selectAll().where('user_id', '=', alice.user.id).execute(),
  };
}

beforeAll(async () => {
  server = await startTestServer();
  alice = await createUser(server.api);
  bob = await createUser(server.api);
  aliceChat = await createTestChat(server.api, alice.token, { title: 'Alice private', settings: { model: 'gpt-4' } });
  aliceMessage = await createTestMessage(server.api, alice.token, { chat: aliceChat.id, content: 'Alice secret' });
  const list = await raw(server.api, 'GET', '/collections/user_settings/records', { token: alice.token });
  aliceSettings = list.json.items[0];
  await raw(server.api, 'PATCH', `/collections/user_settings/records/${aliceSettings.id}`, {
    token: alice.token,
    body: JSON.stringify({ api_keys: { openai: 'sk-alice-private-key-0001' } }),
  });
  // Bob has records of his own, so his lists are not trivially empty.
  const bobChat = await createTestChat(server.api, bob.token, { title: 'Bob chat' });
  await createTestMessage(server.api, bob.token, { chat: bobChat.id, content: 'Bob message' });
});

describe('another user\'s records', () => {
  it('answer 404, exactly as a missing id does, to every single-record operation, and stay unchanged', async () => {
    const before = await snapshot();
    const attempts: [string, string, object?][] = [
      ['GET', `/collections/chats/records/${aliceChat.id}`],
      ['PATCH', `/collections/chats/records/${aliceChat.id}`, { title: 'owned by bob' }],
      ['DELETE', `/collections/chats/records/${aliceChat.id}`],
      ['GET', `/collections/messages/records/${aliceMessage.id}`],
      ['PATCH', `/collections/messages/records/${aliceMessage.id}`, { content: 'rewritten' }],
      ['DELETE', `/collections/messages/records/${aliceMessage.id}`],
      ['GET', `/collections/user_settings/records/${aliceSettings.id}`],
      ['PATCH', `/collections/user_settings/records/${aliceSettings.id}`, { theme: 'dark', api_keys: { openai: 'sk-bob' } }],
      ['DELETE', `/collections/user_settings/records/${aliceSettings.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await raw(server.api, method, path, { token: bob.token, body: body && JSON.stringify(body) });
      const missing = await raw(server.api, method, path.replace(/\/[^/]+$/, '/doesnotexist0000'), {
        token: bob.token,
        body: body && JSON.stringify(body),
      });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json).toEqual(missing.json);
      expect(res.text).not.toContain('Alice');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('cannot receive messages from another user: 404 for the chat', async () => {
    const res = await raw(server.api, 'POST', '/collections/messages/records', {
      token: bob.token,
      body: JSON.stringify({ chat: aliceChat.id, content: 'hi alice' }),
    });
    expect(res.status).toBe(404);
    const after = await raw(server.api, 'GET', `/collections/chats/records/${aliceChat.id}`, { token: alice.token });
    expect(after.json.messages).toEqual([aliceMessage.id]);
  });

  it('never appear in lists, whatever the filter says', async () => {
    const filters: [string, string][] = [
      ['chats', `user = '${alice.user.id}'`],
      ['chats', `id = '${aliceChat.id}'`],
      ['chats', `user = '${alice.user.id}' || user != ''`],
      ['chats', `title ~ 'Alice'`],
      ['chats', `messages ?= '${aliceMessage.id}'`],
      ['chats', `(1 = 1) || id = '${aliceChat.id}'`],
      ['messages', `chat = '${aliceChat.id}'`],
      ['messages', `id = '${aliceMessage.id}'`],
      ['messages', `content ~ 'secret'`],
      ['user_settings', `user = '${alice.user.id}'`],
      ['user_settings', `id = '${aliceSettings.id}'`],
    ];
    for (const [collection, filter] of filters) {
      const res = await raw(server.api, 'GET', `/collections/${collection}/records?perPage=100&filter=${encodeURIComponent(filter)}`, {
        token: bob.token,
      });
      expect(res.status, filter).toBe(200);
      expect(res.text, filter).not.toContain(alice.user.id);
      expect(res.text, filter).not.toContain('Alice');
      for (const item of res.json.items) expect(JSON.stringify(item)).not.toContain(aliceChat.id);
    }
  });

  it('cannot be created for someone else: user = another id answers 403', async () => {
    const before = await snapshot();
    const chat = await raw(server.api, 'POST', '/collections/chats/records', {
      token: bob.token,
      body: JSON.stringify({ title: 'for alice', user: alice.user.id }),
    });
    expect(chat.status).toBe(403);
    const bobsChat = await createTestChat(server.api, bob.token);
    const moved = await raw(server.api, 'PATCH', `/collections/chats/records/${bobsChat.id}`, {
      token: bob.token,
      body: JSON.stringify({ user: alice.user.id }),
    });
    expect(moved.status).toBe(403);
    const settings = await raw(server.api, 'POST', '/collections/user_settings/records', {
      token: bob.token,
      body: JSON.stringify({ user: alice.user.id, theme: 'dark' }),
    });
    expect(settings.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it('require a token for every records operation', async () => {
    for (const path of ['/collections/chats/records', '/collections/messages/records', '/collections/user_settings/records']) {
      const res = await raw(server.api, 'GET', path);
      expect(res.status).toBe(401);
      const post = await raw(server.api, 'POST', path, { body: '{}' });
      expect(post.status).toBe(401);
    }
    const one = await raw(server.api, 'GET', `/collections/chats/records/${aliceChat.id}`);
    expect(one.status).toBe(401);
  });
});
