import { beforeAll, describe, expect, it } from 'vitest';
import { createChat, deleteChat, getChat, listChats, updateChat } from '../../generated/sdk.gen.js';
import type { DomainEvent } from '../../src/events/types.js';
import type { EventBus } from '../../src/events/sink.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { apiClient, raw } from '../support/client.js';
import { createTestChat, createTestMessage, createUser, type TestUser } from '../support/factories.js';

let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  alice = await createUser(server.api);
});

/** Records every domain event the server emits while `fn` runs, passing them on to the real sink. */
async function capturingEvents<T>(fn: () => Promise<T>): Promise<{ result: T; recorded: DomainEvent[]; published: DomainEvent[] }> {
  const original = server.context.events;
  const recorded: DomainEvent[] = [];
  const published: DomainEvent[] = [];
  const sink: EventBus = {
    ...original,
    record: async (tx, event) => {
      recorded.push(event);
      await original.record(tx, event);
    },
    publish: (event) => {
      published.push(event);
      original.publish(event);
    },
  };
  server.context.events = sink;
  try {
    return { result: await fn(), recorded, published };
  } finally {
    server.context.events = original;
  }
}

describe('creating a chat', () => {
  it('answers 200 with the chat, owned by the caller, with no messages', async () => {
    const { data, response } = await createChat({
      client: apiClient(server.api, alice.token),
      body: { title: 'New Chat', settings: { model: 'gpt-4', temperature: 0.7, systemMessage: 'You are a helpful assistant' } },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({
      title: 'New Chat',
      user: alice.user.id,
      messages: [],
      settings: { model: 'gpt-4', temperature: 0.7, systemMessage: 'You are a helpful assistant' },
    });
    expect(data!.id).toMatch(/^chat_[a-z0-9]{16}$/);
    expect(data!.created).toBe(data!.updated);
  });

  it('fills in defaults, taking the model from the user\'s default_model', async () => {
    const user = await createUser(server.api);
    const settings = await raw(server.api, 'GET', '/collections/user_settings/records', { token: user.token });
    await raw(server.api, 'PATCH', `/collections/user_settings/records/${settings.json.items[0].id}`, {
      token: user.token,
      body: JSON.stringify({ default_model: 'claude-3-5-sonnet' }),
    });
    const chat = await createTestChat(server.api, user.token);
    expect(chat).toMatchObject({ title: '', settings: { model: 'claude-3-5-sonnet', temperature: 0.7, systemMessage: '' } });
  });

  it('accepts user only when it is the caller, and answers 403 for anyone else', async () => {
    const bob = await createUser(server.api);
    const own = await createTestChat(server.api, alice.token, { title: 'mine', user: alice.user.id });
    expect(own.user).toBe(alice.user.id);
    const before = await server.context.db.selectFrom('chats').select('id').where('user_id', '=', bob.user.id).execute();
    const res = await raw(server.api, 'POST', '/collections/chats/records', {
      token: alice.token,
      body: JSON.stringify({ title: 'given away', user: bob.user.id }),
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('forbidden');
    const after = await server.context.db.selectFrom('chats').select('id').where('user_id', '=', bob.user.id).execute();
    expect(after).toEqual(before);
  });

  it.each([
    ['temperature above 2', { settings: { temperature: 2.5 } }, '/settings/temperature'],
    ['temperature below 0', { settings: { temperature: -0.1 } }, '/settings/temperature'],
    ['messages (derived, not writable)', { messages: ['msg_x'] }, '/messages'],
    ['an unknown settings key', { settings: { topP: 1 } }, '/settings/topP'],
  ])('refuses %s with 400 naming the field', async (_name, body, path) => {
    const res = await raw(server.api, 'POST', '/collections/chats/records', { token: alice.token, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(res.json.error.details.errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});

describe('updating a chat', () => {
  it('merges settings partially, as in the seed example', async () => {
    const chat = await createTestChat(server.api, alice.token, {
      title: 'Trip',
      settings: { model: 'gpt-4', temperature: 0.7, systemMessage: 'You are a helpful assistant' },
    });
    const { data, response } = await updateChat({
      client: apiClient(server.api, alice.token),
      path: { id: chat.id },
      body: { title: 'Updated Chat Title', settings: { temperature: 0.8 } },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({
      id: chat.id,
      title: 'Updated Chat Title',
      settings: { model: 'gpt-4', temperature: 0.8, systemMessage: 'You are a helpful assistant' },
    });
    expect(Date.parse(data!.updated)).toBeGreaterThanOrEqual(Date.parse(chat.updated));
    expect(data!.created).toBe(chat.created);

    const titleOnly = await updateChat({ client: apiClient(server.api, alice.token), path: { id: chat.id }, body: { title: 'Only title' } });
    expect(titleOnly.data!.settings).toEqual({ model: 'gpt-4', temperature: 0.8, systemMessage: 'You are a helpful assistant' });
  });

  it('answers 403 for a user other than the caller and changes nothing', async () => {
    const chat = await createTestChat(server.api, alice.token, { title: 'keep' });
    const res = await raw(server.api, 'PATCH', `/collections/chats/records/${chat.id}`, {
      token: alice.token,
      body: JSON.stringify({ title: 'changed', user: 'user_someoneelse0000' }),
    });
    expect(res.status).toBe(403);
    const { data } = await getChat({ client: apiClient(server.api, alice.token), path: { id: chat.id } });
    expect(data).toEqual(chat);
  });

  it('reports chat.updated inside the transaction and publishes it after', async () => {
    const chat = await createTestChat(server.api, alice.token, { title: 'events' });
    const { result, recorded, published } = await capturingEvents(() =>
      updateChat({ client: apiClient(server.api, alice.token), path: { id: chat.id }, body: { title: 'evented' } }),
    );
    const expected = { type: 'chat.updated', userId: alice.user.id, chatId: chat.id, chat: result.data };
    expect(recorded).toEqual([expected]);
    expect(published).toEqual([expected]);
  });
});

describe('deleting a chat', () => {
  it('answers 204 and removes the chat and all its messages', async () => {
    const chat = await createTestChat(server.api, alice.token, { title: 'doomed' });
    for (const content of ['one', 'two', 'three']) await createTestMessage(server.api, alice.token, { chat: chat.id, content });
    const { response } = await deleteChat({ client: apiClient(server.api, alice.token), path: { id: chat.id } });
    expect(response.status).toBe(204);
    const messages = await server.context.db.selectFrom('messages').select('id').where('chat_id', '=', chat.id).execute();
    expect(messages).toEqual([]);
    const again = await getChat({ client: apiClient(server.api, alice.token), path: { id: chat.id } });
    expect(again.response.status).toBe(404);
  });

  it('removes nothing when the transaction fails part-way (chat and messages go together)', async () => {
    const chat = await createTestChat(server.api, alice.token, { title: 'survivor' });
    await createTestMessage(server.api, alice.token, { chat: chat.id, content: 'still here' });
    const original = server.context.events;
    server.context.events = {
      ...original,
      record: async () => {
        throw new Error('outbox unavailable');
      },
      publish: () => {},
    };
    try {
      const res = await raw(server.api, 'DELETE', `/collections/chats/records/${chat.id}`, { token: alice.token });
      expect(res.status).toBe(500);
      expect(res.json.error.code).toBe('internal_error');
    } finally {
      server.context.events = original;
    }
    const messages = await server.context.db.selectFrom('messages').select('content').where('chat_id', '=', chat.id).execute();
    expect(messages).toEqual([{ content: 'still here' }]);
    const { data } = await getChat({ client: apiClient(server.api, alice.token), path: { id: chat.id } });
    expect(data!.messages).toHaveLength(1);
  });

  it('reports chat.deleted', async () => {
    const chat = await createTestChat(server.api, alice.token);
    const { recorded, published } = await capturingEvents(() =>
      deleteChat({ client: apiClient(server.api, alice.token), path: { id: chat.id } }),
    );
    const expected = { type: 'chat.deleted', userId: alice.user.id, chatId: chat.id };
    expect(recorded).toEqual([expected]);
    expect(published).toEqual([expected]);
  });
});

describe('viewing and listing chats', () => {
  it('shows the chat\'s messages oldest first and lists the newest chat first by default', async () => {
    const user = await createUser(server.api);
    const first = await createTestChat(server.api, user.token, { title: 'first' });
    const second = await createTestChat(server.api, user.token, { title: 'second' });
    const m1 = await createTestMessage(server.api, user.token, { chat: first.id, content: 'a' });
    const m2 = await createTestMessage(server.api, user.token, { chat: first.id, content: 'b', role: 'assistant' });
    const { data: viewed } = await getChat({ client: apiClient(server.api, user.token), path: { id: first.id } });
    expect(viewed!.messages).toEqual([m1.id, m2.id]);
    const { data: page } = await listChats({ client: apiClient(server.api, user.token) });
    expect(page).toMatchObject({ page: 1, perPage: 30, totalItems: 2, totalPages: 1 });
    expect(page!.items.map((c) => c.id)).toEqual([second.id, first.id]);
    expect(page!.items[1].messages).toEqual([m1.id, m2.id]);
  });
});
