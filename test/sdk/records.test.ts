/** client.chats, client.messages, client.settings and client.filter against a running T66. */
import { beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, NotFoundError, PermissionDeniedError, type T66Client } from '../../sdk/js/src/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signedUpClient } from './support.js';

let server: TestServer;
let client: T66Client;
beforeAll(async () => {
  server = await startTestServer();
  ({ client } = await signedUpClient(server));
});

describe('chats', () => {
  it('creates, gets, updates (merging settings), lists and deletes a chat', async () => {
    const chat = await client.chats.create({
      title: 'Trip planning',
      settings: { model: 'local-dev', temperature: 0.7, systemMessage: 'You are a helpful assistant' },
    });
    expect(chat).toMatchObject({ title: 'Trip planning', messages: [], settings: { model: 'local-dev', temperature: 0.7 } });
    expect(await client.chats.get(chat.id)).toEqual(chat);

    const updated = await client.chats.update(chat.id, { settings: { temperature: 0.8 } });
    expect(updated.settings).toEqual({ model: 'local-dev', temperature: 0.8, systemMessage: 'You are a helpful assistant' });

    const page = await client.chats.list({ filter: client.filter('id = {:id}', { id: chat.id }) });
    expect(page.items.map((c) => c.id)).toEqual([chat.id]);
    expect(page.totalItems).toBe(1);

    await client.chats.delete(chat.id);
    await expect(client.chats.get(chat.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('pages and sorts', async () => {
    const { client: own } = await signedUpClient(server);
    for (const title of ['b', 'c', 'a']) await own.chats.create({ title });
    const first = await own.chats.list({ page: 1, perPage: 2, sort: 'title' });
    expect(first).toMatchObject({ page: 1, perPage: 2, totalItems: 3, totalPages: 2 });
    expect(first.items.map((c) => c.title)).toEqual(['a', 'b']);
    const second = await own.chats.list({ page: 2, perPage: 2, sort: 'title' });
    expect(second.items.map((c) => c.title)).toEqual(['c']);
    const skipped = await own.chats.list({ sort: '-title', skipTotal: true });
    expect(skipped).toMatchObject({ totalItems: -1, totalPages: -1 });
    expect(skipped.items.map((c) => c.title)).toEqual(['c', 'b', 'a']);
  });

  it('answers typed errors: 400 for a bad sort, 404 for another user\'s chat, 403 for setting another user', async () => {
    await expect(client.chats.list({ sort: 'nonsense' })).rejects.toBeInstanceOf(BadRequestError);
    const { client: other, user: otherUser } = await signedUpClient(server);
    const theirs = await other.chats.create({ title: 'private' });
    await expect(client.chats.get(theirs.id)).rejects.toMatchObject({ constructor: NotFoundError, status: 404, code: 'not_found' });
    await expect(client.chats.create({ title: 'x', user: otherUser.id })).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});

describe('messages', () => {
  it('adds messages to a chat, lists them by chat in order, updates and deletes one', async () => {
    const chat = await client.chats.create({ title: 'With messages' });
    const hello = await client.messages.create({ chat: chat.id, content: 'Hello, how are you?', role: 'user' });
    const reply = await client.messages.create({ chat: chat.id, content: 'Fine, thanks.', role: 'assistant' });
    expect((await client.chats.get(chat.id)).messages).toEqual([hello.id, reply.id]);

    const listed = await client.messages.list({ filter: client.filter('chat = {:chat}', { chat: chat.id }), sort: 'created' });
    expect(listed.items.map((m) => m.content)).toEqual(['Hello, how are you?', 'Fine, thanks.']);

    const edited = await client.messages.update(hello.id, { content: 'Hello again' });
    expect(edited.content).toBe('Hello again');
    expect((await client.messages.get(hello.id)).content).toBe('Hello again');

    await client.messages.delete(reply.id);
    expect((await client.chats.get(chat.id)).messages).toEqual([hello.id]);
  });

  it('answers NotFoundError for a message in someone else\'s chat', async () => {
    const { client: other } = await signedUpClient(server);
    const theirs = await other.chats.create({ title: 'theirs' });
    await expect(client.messages.create({ chat: theirs.id, content: 'hi' })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('user settings', () => {
  it('gets the caller\'s settings without an id and updates them, api keys masked and merged', async () => {
    const { client: own, user } = await signedUpClient(server);
    const settings = await own.settings.get();
    expect(settings.user).toBe(user.id);

    const updated = await own.settings.update({ theme: 'dark', default_model: 'local-dev', api_keys: { openai: 'sk-test-1234567890abcd' } });
    expect(updated).toMatchObject({ id: settings.id, theme: 'dark', default_model: 'local-dev' });
    expect(updated.api_keys.openai).not.toContain('1234567890');
    expect(updated.api_keys.openai).toMatch(/abcd$/);

    const removed = await own.settings.update({ api_keys: { openai: null } }, settings.id);
    expect(removed.api_keys).toEqual({});
    expect((await own.settings.get(settings.id)).theme).toBe('dark');
    expect((await own.settings.list()).items.map((s) => s.id)).toEqual([settings.id]);
  });

  it('answers the contract\'s refusals: 409 for a second settings record, 403 for deleting yours', async () => {
    const { client: own } = await signedUpClient(server);
    const settings = await own.settings.get();
    await expect(own.settings.create({ theme: 'light' })).rejects.toMatchObject({ status: 409 });
    await expect(own.settings.delete(settings.id)).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});

describe('client.filter bound values read back exactly by the server', () => {
  const tricky = [
    "it's",
    'say "hi"',
    `both ' and "`,
    'back\\slash',
    "escaped-looking \\' inside",
    'escaped-looking \\" inside',
    "double \\\\' backslashes",
    'line one\nline two\r\nline three\ttabbed',
    'unicode: héllo wörld ✓ 🚀 日本語 مرحبا e\u0301',
    "' || user != '",
    "x') || (title != 'x",
    '{:notAPlaceholder} && // not a comment',
    '100% of_the_time',
    '',
    ' leading and trailing spaces ',
  ];

  let own: T66Client;
  const ids = new Map<string, string>();
  beforeAll(async () => {
    ({ client: own } = await signedUpClient(server));
    for (const title of tricky) {
      ids.set(title, (await own.chats.create({ title })).id);
      await own.chats.create({ title: `${title}-other` });
    }
  });

  it.each(tricky.map((title) => [JSON.stringify(title), title]))('title = %s finds exactly that chat', async (_label, title) => {
    const found = await own.chats.list({ filter: own.filter('title = {:title}', { title }) });
    expect(found.items.map((c) => c.id)).toEqual([ids.get(title)]);
    expect(found.items[0].title).toBe(title);
  });

  it('binds strings into contains (~), numbers into settings paths, and dates', async () => {
    const { client: fresh } = await signedUpClient(server);
    const quoted = await fresh.chats.create({ title: `Bob's "big" trip`, settings: { temperature: 0.25 } });
    await fresh.chats.create({ title: 'Other trip', settings: { temperature: 1.5 } });
    const contains = await fresh.chats.list({ filter: fresh.filter('title ~ {:q}', { q: `'s "big` }) });
    expect(contains.items.map((c) => c.id)).toEqual([quoted.id]);
    const byNumber = await fresh.chats.list({ filter: fresh.filter('settings.temperature = {:t}', { t: 0.25 }) });
    expect(byNumber.items.map((c) => c.id)).toEqual([quoted.id]);
    const since = new Date(Date.parse(quoted.created) - 1000);
    const byDate = await fresh.chats.list({ filter: fresh.filter('created >= {:since} && title != {:other}', { since, other: 'Other trip' }) });
    expect(byDate.items.map((c) => c.id)).toEqual([quoted.id]);
  });
});
