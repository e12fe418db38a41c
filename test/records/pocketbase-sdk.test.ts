/** The official `pocketbase` JS SDK, unchanged, against a running T66. */
import { beforeAll, describe, expect, it } from 'vitest';
import PocketBase, { ClientResponseError, type RecordModel } from 'pocketbase';
import { newId } from '../../src/db/ids.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, type TestUser } from '../support/factories.js';

let server: TestServer;
let user: TestUser;
let pb: PocketBase;

async function signedIn(who: TestUser): Promise<PocketBase> {
  const client = new PocketBase(server.url);
  client.autoCancellation(false);
  await client.collection('users').authWithPassword(who.email, who.password);
  return client;
}

beforeAll(async () => {
  server = await startTestServer();
  user = await createUser(server.api);
  pb = await signedIn(user);
});

describe('auth', () => {
  it('authWithPassword answers {token, record} and authRefresh rotates the token', async () => {
    const client = new PocketBase(server.url);
    const auth = await client.collection('users').authWithPassword(user.email, user.password);
    expect(auth.token).toEqual(expect.any(String));
    expect(auth.record.id).toBe(user.user.id);
    expect(client.authStore.isValid).toBe(true);
    const refreshed = await client.collection('users').authRefresh();
    expect(refreshed.token).not.toBe(auth.token);
    expect(client.authStore.token).toBe(refreshed.token);
    const chats = await client.collection('chats').getList();
    expect(chats.page).toBe(1);
  });
});

describe('chats', () => {
  it('create answers the record (200), getOne and update merge settings, delete answers true', async () => {
    const chat = await pb.collection('chats').create({
      title: 'SDK chat',
      settings: { model: 'gpt-4', temperature: 0.7, systemMessage: 'You are a helpful assistant' },
    });
    expect(chat).toMatchObject({ title: 'SDK chat', user: user.user.id, messages: [] });
    expect(await pb.collection('chats').getOne(chat.id)).toEqual(chat);
    const updated = await pb.collection('chats').update(chat.id, { settings: { temperature: 0.8 } });
    expect(updated.settings).toEqual({ model: 'gpt-4', temperature: 0.8, systemMessage: 'You are a helpful assistant' });
    expect(await pb.collection('chats').delete(chat.id)).toBe(true);
    await expect(pb.collection('chats').getOne(chat.id)).rejects.toMatchObject({ status: 404 });
  });

  it('getList pages, sorts and filters with pb.filter bindings', async () => {
    const own = await signedIn(await createUser(server.api));
    for (const title of ["O'Brien \"quoted\"", 'plain', 'another plain']) await own.collection('chats').create({ title });
    const page = await own.collection('chats').getList(1, 2, { sort: 'title' });
    expect(page).toMatchObject({ page: 1, perPage: 2, totalItems: 3, totalPages: 2 });
    expect(page.items.map((c) => c.title)).toEqual(["O'Brien \"quoted\"", 'another plain']);
    const filtered = await own.collection('chats').getList(1, 30, {
      filter: own.filter('title = {:title} || title ~ {:part}', { title: "O'Brien \"quoted\"", part: 'ANOTHER' }),
      sort: '-title',
    });
    expect(filtered.items.map((c) => c.title)).toEqual(['another plain', "O'Brien \"quoted\""]);
  });

  it('getFullList walks every page although perPage is clamped to 100', async () => {
    const bulk = await createUser(server.api);
    const now = Date.now();
    await server.context.db
      .insertInto('chats')
      .values(
        Array.from({ length: 230 }, (_, i) => ({
          id: newId('chat'),
          user_id: bulk.user.id,
          title: `bulk ${i}`,
          settings: JSON.stringify({ model: '', temperature: 0.7, systemMessage: '' }),
          created: new Date(now - i * 1000),
          updated: new Date(now - i * 1000),
        })),
      )
      .execute();
    const client = await signedIn(bulk);
    const all = await client.collection('chats').getFullList();
    expect(all).toHaveLength(230);
    expect(new Set(all.map((c) => c.id)).size).toBe(230);
    const batched = await client.collection('chats').getFullList({ batch: 70, sort: 'created' });
    expect(batched.map((c) => c.title)).toEqual(Array.from({ length: 230 }, (_, i) => `bulk ${229 - i}`));
  });

  it('getFirstListItem finds one record, and answers 404 when none matches', async () => {
    const chat = await pb.collection('chats').create({ title: 'findable' });
    const found = await pb.collection('chats').getFirstListItem(pb.filter('id = {:id}', { id: chat.id }));
    expect(found.id).toBe(chat.id);
    await expect(pb.collection('chats').getFirstListItem(pb.filter('title = {:t}', { t: 'no such title' }))).rejects.toMatchObject({
      status: 404,
    });
  });

  it('filters by a Date binding', async () => {
    const chat = await pb.collection('chats').create({ title: 'dated' });
    const since = new Date(Date.parse(chat.created) - 1000);
    const recent = await pb.collection('chats').getFullList({ filter: pb.filter('created >= {:since} && id = {:id}', { since, id: chat.id }) });
    expect(recent.map((c) => c.id)).toEqual([chat.id]);
    const later = await pb.collection('chats').getFullList({
      filter: pb.filter('created > {:after} && id = {:id}', { after: new Date(Date.parse(chat.created) + 1000), id: chat.id }),
    });
    expect(later).toEqual([]);
  });

  it('errors reach the SDK as ClientResponseError with our envelope', async () => {
    const error = await pb
      .collection('chats')
      .getList(1, 30, { filter: 'title = ' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientResponseError);
    expect((error as ClientResponseError).status).toBe(400);
    expect((error as ClientResponseError).response).toMatchObject({ error: { code: 'invalid_filter', details: { parameter: 'filter' } } });
  });
});

describe('messages', () => {
  it('create, list a chat\'s messages with bindings, update and delete', async () => {
    const chat = await pb.collection('chats').create({ title: 'with messages' });
    const hello = await pb.collection('messages').create({ chat: chat.id, content: 'Hello, how are you?', role: 'user' });
    const reply = await pb.collection('messages').create({ chat: chat.id, content: 'Fine, thanks: 100% ok', role: 'assistant' });
    const list = await pb.collection('messages').getList(1, 50, {
      filter: pb.filter('chat = {:id} && content ~ {:q}', { id: chat.id, q: '100%' }),
      sort: 'created',
    });
    expect(list.items.map((m) => m.id)).toEqual([]);
    const contains = await pb.collection('messages').getFullList({
      filter: pb.filter('chat = {:id} && content ~ {:q}', { id: chat.id, q: 'how' }),
    });
    expect(contains.map((m) => m.id)).toEqual([hello.id]);
    const ordered = await pb.collection('messages').getFullList({ filter: pb.filter('chat = {:id}', { id: chat.id }), sort: 'created' });
    expect(ordered.map((m: RecordModel) => m.id)).toEqual([hello.id, reply.id]);
    expect((await pb.collection('chats').getOne(chat.id)).messages).toEqual([hello.id, reply.id]);

    const edited = await pb.collection('messages').update(hello.id, { content: 'Hello!' });
    expect(edited.content).toBe('Hello!');
    expect(await pb.collection('messages').delete(reply.id)).toBe(true);
    expect((await pb.collection('chats').getOne(chat.id)).messages).toEqual([hello.id]);
  });
});

describe('user_settings', () => {
  it('finds the caller\'s record by filter and updates it, keys masked', async () => {
    const settings = await pb.collection('user_settings').getFirstListItem(pb.filter('user = {:id}', { id: user.user.id }));
    expect(settings.user).toBe(user.user.id);
    const updated = await pb.collection('user_settings').update(settings.id, {
      theme: 'dark',
      api_keys: { openai: 'sk-sdk-secret-key-abcd', anthropic: null },
    });
    expect(updated).toMatchObject({ theme: 'dark', api_keys: { openai: 'sk-…abcd' } });
    await expect(pb.collection('user_settings').delete(settings.id)).rejects.toMatchObject({ status: 403 });
    await expect(pb.collection('user_settings').create({ theme: 'light' })).rejects.toMatchObject({ status: 409 });
  });
});

describe('other users', () => {
  it('see nothing of the caller\'s records through the SDK', async () => {
    const mine = await pb.collection('chats').create({ title: 'not for others' });
    const other = await signedIn(await createUser(server.api));
    await expect(other.collection('chats').getOne(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.collection('chats').update(mine.id, { title: 'x' })).rejects.toMatchObject({ status: 404 });
    await expect(other.collection('chats').delete(mine.id)).rejects.toMatchObject({ status: 404 });
    const listed = await other.collection('chats').getFullList({ filter: pb.filter('user = {:id}', { id: user.user.id }) });
    expect(listed).toEqual([]);
  });
});
