import { beforeAll, describe, expect, it } from 'vitest';
import type { Chat, Message, UserSettings } from '../../generated/types.gen.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { raw } from '../support/client.js';
import { createTestChat, createTestMessage, createUser, type TestUser } from '../support/factories.js';

let server: TestServer;
let user: TestUser;
let chat: Chat;
let message: Message;
let settings: UserSettings;

async function snapshot() {
  const db = server.context.db;
  return {
    chats: await db.selectFrom('chats').selectAll().orderBy('id').execute(),
    messages: await db.selectFrom('messages').selectAll().orderBy('id').execute(),
    settings: await db.selectFrom('user_settings').selectAll().orderBy('id').execute(),
  };
}

beforeAll(async () => {
  server = await startTestServer();
  user = await createUser(server.api);
  chat = await createTestChat(server.api, user.token, { title: 'stable', settings: { model: 'gpt-4', temperature: 0.5 } });
  message = await createTestMessage(server.api, user.token, { chat: chat.id, content: 'stable content' });
  settings = (await raw(server.api, 'GET', '/collections/user_settings/records', { token: user.token })).json.items[0];
});

function expectEnvelope(res: { status: number; json: any; headers: Headers }, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.json.error).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
  if (code) expect(res.json.error.code).toBe(code);
}

const MB = 'x'.repeat(1024 * 1024);

describe('bodies that do not fit the contract', () => {
  const cases: [string, () => [string, string, string | Uint8Array], number, string?][] = [
    ['a number as title', () => ['POST', '/collections/chats/records', JSON.stringify({ title: 123 })], 400, 'invalid_request'],
    ['settings as a string', () => ['POST', '/collections/chats/records', JSON.stringify({ settings: 'hot' })], 400, 'invalid_request'],
    ['temperature as text', () => ['PATCH', `/collections/chats/records/${chat.id}`, JSON.stringify({ settings: { temperature: 'hot' } })], 400, 'invalid_request'],
    ['temperature 3', () => ['PATCH', `/collections/chats/records/${chat.id}`, JSON.stringify({ settings: { temperature: 3 } })], 400, 'invalid_request'],
    ['an unknown chat field', () => ['PATCH', `/collections/chats/records/${chat.id}`, JSON.stringify({ title: 'x', admin: true })], 400, 'invalid_request'],
    ['a 1 MB title', () => ['PATCH', `/collections/chats/records/${chat.id}`, JSON.stringify({ title: MB })], 400, 'invalid_request'],
    ['a 1 MB title on create', () => ['POST', '/collections/chats/records', JSON.stringify({ title: MB })], 400, 'invalid_request'],
    ['a NUL in the title', () => ['PATCH', `/collections/chats/records/${chat.id}`, '{"title":"a\\u0000b"}'], 400, 'invalid_request'],
    ['invalid UTF-8', () => ['PATCH', `/collections/chats/records/${chat.id}`, Buffer.from([...Buffer.from('{"title":"'), 0xff, 0xfe, ...Buffer.from('"}')])], 400, 'invalid_encoding'],
    ['malformed JSON', () => ['PATCH', `/collections/chats/records/${chat.id}`, '{"title":'], 400, 'invalid_json'],
    ['an array body', () => ['PATCH', `/collections/chats/records/${chat.id}`, '[]'], 400, 'invalid_request'],
    ['content as a number', () => ['POST', '/collections/messages/records', JSON.stringify({ chat: 'x', content: 5 })], 400, 'invalid_request'],
    ['a missing chat', () => ['POST', '/collections/messages/records', JSON.stringify({ content: 'orphan' })], 400, 'invalid_request'],
    ['an unknown role', () => ['POST', '/collections/messages/records', JSON.stringify({ chat: chat.id, content: 'x', role: 'admin' })], 400, 'invalid_request'],
    ['attachments as a string', () => ['POST', '/collections/messages/records', JSON.stringify({ chat: chat.id, content: 'x', attachments: 'file_1' })], 400, 'invalid_request'],
    ['content over 1,000,000 characters', () => ['PATCH', `/collections/messages/records/${message.id}`, JSON.stringify({ content: MB })], 400, 'invalid_request'],
    ['an unknown message field', () => ['PATCH', `/collections/messages/records/${message.id}`, JSON.stringify({ chat: 'other' })], 400, 'invalid_request'],
    ['an unknown theme', () => ['PATCH', `/collections/user_settings/records/${settings.id}`, JSON.stringify({ theme: 'blue' })], 400, 'invalid_request'],
    ['api_keys as a list', () => ['PATCH', `/collections/user_settings/records/${settings.id}`, JSON.stringify({ api_keys: ['sk-x'] })], 400, 'invalid_request'],
    ['a key as a number', () => ['PATCH', `/collections/user_settings/records/${settings.id}`, JSON.stringify({ api_keys: { openai: 5 } })], 400, 'invalid_request'],
    ['an unknown settings field', () => ['PATCH', `/collections/user_settings/records/${settings.id}`, JSON.stringify({ id: 'set_other' })], 400, 'invalid_request'],
  ];

  it.each(cases)('%s: answers 4xx in the envelope and changes nothing', async (_name, target, status, code) => {
    const before = await snapshot();
    const [method, path, body] = target();
    const res = await raw(server.api, method, path, { token: user.token, body });
    expectEnvelope(res, status, code);
    expect(await snapshot()).toEqual(before);
  });

  it('a body that is not JSON answers 415', async () => {
    const before = await snapshot();
    const res = await raw(server.api, 'PATCH', `/collections/chats/records/${chat.id}`, {
      token: user.token,
      body: 'title=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectEnvelope(res, 415, 'unsupported_media_type');
    expect(await snapshot()).toEqual(before);
  });

  it('an id longer than 64 characters answers 400', async () => {
    const res = await raw(server.api, 'GET', `/collections/chats/records/${'x'.repeat(65)}`, { token: user.token });
    expectEnvelope(res, 400, 'invalid_request');
  });
});

describe('hostile list queries', () => {
  it('a filter of 10,000 parentheses answers 400, and the server keeps serving', async () => {
    // Parentheses need no percent-encoding, so these URLs stay under Node's 16 KB header limit.
    for (const filter of ['('.repeat(10_000), `${'('.repeat(5_000)}title=''${')'.repeat(5_000)}`, ')'.repeat(10_000)]) {
      const res = await raw(server.api, 'GET', `/collections/chats/records?filter=${encodeURIComponent(filter)}`, { token: user.token });
      expectEnvelope(res, 400);
    }
    const ok = await raw(server.api, 'GET', '/collections/chats/records', { token: user.token });
    expect(ok.status).toBe(200);
  });

  it('4,000 parentheses within the length limit answer 400 invalid_filter (nesting limit)', async () => {
    const filter = `${'('.repeat(2000)}title = ''${')'.repeat(2000)}`;
    const res = await raw(server.api, 'GET', `/collections/chats/records?filter=${encodeURIComponent(filter)}`, { token: user.token });
    expectEnvelope(res, 400, 'invalid_filter');
    expect(res.json.error.details.position).toBe(32);
  });

  it('invalid UTF-8 in the query string answers 400', async () => {
    const res = await raw(server.api, 'GET', `/collections/chats/records?filter=title%20%3D%20'%FF%FE'`, { token: user.token });
    expectEnvelope(res, 400, 'invalid_encoding');
  });

  it('a filter repeated twice answers 400', async () => {
    const res = await raw(server.api, 'GET', `/collections/chats/records?filter=id%3D'a'&filter=id%3D'b'`, { token: user.token });
    expectEnvelope(res, 400);
  });
});
