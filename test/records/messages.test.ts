import { beforeAll, describe, expect, it } from 'vitest';
import { createMessage, deleteMessage, getChat, getMessage, listMessages, updateMessage } from '../../generated/sdk.gen.js';
import type { DomainEvent } from '../../src/events/types.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { apiClient, raw } from '../support/client.js';
import { createTestChat, createTestMessage, createUser, uploadTestFile, type TestUser } from '../support/factories.js';

let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  alice = await createUser(server.api);
});

describe('sending a message', () => {
  it('answers 200 with the message and adds it to its chat, bumping the chat\'s updated', async () => {
    const chat = await createTestChat(server.api, alice.token, { title: 'talk' });
    const { data, response } = await createMessage({
      client: apiClient(server.api, alice.token),
      body: { chat: chat.id, content: 'Hello, how are you?', role: 'user' },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ chat: chat.id, content: 'Hello, how are you?', role: 'user', attachments: [] });
    expect(data!.id).toMatch(/^msg_[a-z0-9]{16}$/);
    const { data: after } = await getChat({ client: apiClient(server.api, alice.token), path: { id: chat.id } });
    expect(after!.messages).toEqual([data!.id]);
    expect(after!.updated).toBe(data!.created);
    expect(Date.parse(after!.updated)).toBeGreaterThanOrEqual(Date.parse(chat.updated));
  });

  it('defaults the role to user', async () => {
    const chat = await createTestChat(server.api, alice.token);
    const message = await createTestMessage(server.api, alice.token, { chat: chat.id, content: 'no role given' });
    expect(message.role).toBe('user');
  });

  it('keeps messages in the order they were sent, even when sent within the same millisecond', async () => {
    const chat = await createTestChat(server.api, alice.token);
    const sent = await Promise.all(
      Array.from({ length: 8 }, (_, i) => createTestMessage(server.api, alice.token, { chat: chat.id, content: `m${i}` })),
    );
    const created = sent.map((m) => m.created);
    expect(new Set(created).size).toBe(sent.length);
    const byCreated = [...sent].sort((a, b) => Date.parse(a.created) - Date.parse(b.created)).map((m) => m.id);
    const { data } = await getChat({ client: apiClient(server.api, alice.token), path: { id: chat.id } });
    expect(data!.messages).toEqual(byCreated);
  });

  it('answers 404 for a chat that does not exist, as for one that is not the caller\'s', async () => {
    const bob = await createUser(server.api);
    const bobsChat = await createTestChat(server.api, bob.token);
    for (const chatId of ['chat_doesnotexist0000', bobsChat.id]) {
      const res = await raw(server.api, 'POST', '/collections/messages/records', {
        token: alice.token,
        body: JSON.stringify({ chat: chatId, content: 'intrusion' }),
      });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
    const rows = await server.context.db.selectFrom('messages').select('id').where('chat_id', '=', bobsChat.id).execute();
    expect(rows).toEqual([]);
  });

  it('accepts attachments that are the caller\'s files', async () => {
    const chat = await createTestChat(server.api, alice.token);
    const file = await uploadTestFile(server.api, alice.token);
    const message = await createTestMessage(server.api, alice.token, { chat: chat.id, content: 'see file', attachments: [file.id] });
    expect(message.attachments).toEqual([file.id]);
  });

  it('refuses with 400 attachments that are unknown or someone else\'s, storing nothing', async () => {
    const chat = await createTestChat(server.api, alice.token);
    const bob = await createUser(server.api);
    const bobsFile = await uploadTestFile(server.api, bob.token);
    for (const attachments of [['file_doesnotexist000'], [bobsFile.id]]) {
      const res = await raw(server.api, 'POST', '/collections/messages/records', {
        token: alice.token,
        body: JSON.stringify({ chat: chat.id, content: 'with file', attachments }),
      });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
    }
    const { data } = await getChat({ client: apiClient(server.api, alice.token), path: { id: chat.id } });
    expect(data!.messages).toEqual([]);
  });

  it('reports message.created and chat.updated inside the transaction, then publishes them', async () => {
    const chat = await createTestChat(server.api, alice.token);
    const original = server.context.events;
    const recorded: DomainEvent[] = [];
    const published: DomainEvent[] = [];
    server.context.events = {
      ...original,
      record: async (tx, event) => {
        recorded.push(event);
        await original.record(tx, event);
      },
      publish: (event) => {
        published.push(event);
      },
    };
    let message;
    try {
      message = await createTestMessage(server.api, alice.token, { chat: chat.id, content: 'evented' });
    } finally {
      server.context.events = original;
    }
    expect(recorded.map((e) => e.type)).toEqual(['message.created', 'chat.updated']);
    expect(recorded[0]).toEqual({ type: 'message.created', userId: alice.user.id, chatId: chat.id, message });
    expect(recorded[1]).toMatchObject({ type: 'chat.updated', chatId: chat.id, chat: { id: chat.id, messages: [message.id] } });
    expect(published).toEqual(recorded);
  });
});

describe('listing a chat\'s messages', () => {
  it('lists them the way the seed does: filter by chat, sort by created', async () => {
    const chat = await createTestChat(server.api, alice.token);
    const other = await createTestChat(server.api, alice.token);
    const a = await createTestMessage(server.api, alice.token, { chat: chat.id, content: 'first' });
    await createTestMessage(server.api, alice.token, { chat: other.id, content: 'elsewhere' });
    const b = await createTestMessage(server.api, alice.token, { chat: chat.id, content: 'second', role: 'assistant' });
    const { data } = await listMessages({
      client: apiClient(server.api, alice.token),
      query: { filter: `(chat='${chat.id}')`, sort: 'created' },
    });
    expect(data!.items.map((m) => m.id)).toEqual([a.id, b.id]);
    expect(data!.totalItems).toBe(2);
  });
});

describe('updating and deleting a message', () => {
  it('updates content and attachments only', async () => {
    const chat = await createTestChat(server.api, alice.token);
    const message = await createTestMessage(server.api, alice.token, { chat: chat.id, content: 'typo' });
    const file = await uploadTestFile(server.api, alice.token);
    const { data } = await updateMessage({
      client: apiClient(server.api, alice.token),
      path: { id: message.id },
      body: { content: 'fixed', attachments: [file.id] },
    });
    expect(data).toMatchObject({ id: message.id, content: 'fixed', attachments: [file.id], role: 'user', chat: chat.id });
    const res = await raw(server.api, 'PATCH', `/collections/messages/records/${message.id}`, {
      token: alice.token,
      body: JSON.stringify({ role: 'assistant' }),
    });
    expect(res.status).toBe(400);
    const { data: stored } = await getMessage({ client: apiClient(server.api, alice.token), path: { id: message.id } });
    expect(stored).toEqual(data);
  });

  it('deletes with 204 and takes the message out of its chat', async () => {
    const chat = await createTestChat(server.api, alice.token);
    const keep = await createTestMessage(server.api, alice.token, { chat: chat.id, content: 'keep' });
    const drop = await createTestMessage(server.api, alice.token, { chat: chat.id, content: 'drop' });
    const { response } = await deleteMessage({ client: apiClient(server.api, alice.token), path: { id: drop.id } });
    expect(response.status).toBe(204);
    const { data } = await getChat({ client: apiClient(server.api, alice.token), path: { id: chat.id } });
    expect(data!.messages).toEqual([keep.id]);
    expect(Date.parse(data!.updated)).toBeGreaterThanOrEqual(Date.parse(drop.created));
    const gone = await getMessage({ client: apiClient(server.api, alice.token), path: { id: drop.id } });
    expect(gone.response.status).toBe(404);
  });
});
