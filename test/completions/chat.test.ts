import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startTestServer, type TestServer } from '../support/server.js';
import { raw } from '../support/client.js';
import { createTestChat, createUser, type TestUser } from '../support/factories.js';
import { OPENAI_TEST_KEY, startFakeOpenAI, type FakeOpenAI } from '../support/fakes/fake-openai.js';
import type { DomainEvent } from '../../src/events/types.js';
import { catalogueFile, model, openaiClient, publishedEvents, rawStream, userMessage } from './support.js';

let fake: FakeOpenAI;
let server: TestServer;
let alice: TestUser;
let sdk: OpenAI;
let events: DomainEvent[];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  const models = await catalogueFile({ models: [model('gpt-4o', 'openai'), model('local-dev', 'local', { upstream: 'local-dev' })] });
  server = await startTestServer({
    env: { OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: OPENAI_TEST_KEY, T66_MODELS_FILE: models, T66_UPSTREAM_RETRIES: '0' },
  });
  alice = await createUser(server.api);
  sdk = openaiClient(server, alice.token);
  events = publishedEvents(server);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
  fake.queue.length = 0;
  events.length = 0;
});

const sent = () => fake.calls[fake.calls.length - 1].body;
/** A chat of `user`, made through the records API, with these settings. */
const newChat = async (user: TestUser, settings: { model?: string; temperature?: number; systemMessage?: string }) =>
  (await createTestChat(server.api, user.token, { title: 'Test chat', settings })).id;
const messagesOf = (chatId: string) =>
  server.context.db.selectFrom('messages').selectAll().where('chat_id', '=', chatId).orderBy('created').execute();
const chatRow = (chatId: string) => server.context.db.selectFrom('chats').selectAll().where('id', '=', chatId).executeTakeFirstOrThrow();
/** `chat` is T66's extension field, which the SDK's types do not know. */
const withChat = <T extends object>(params: T, chat: string) => ({ ...params, chat }) as T;

describe("the chat's settings as defaults", () => {
  it('fill in the model, temperature and system message the request leaves out', async () => {
    const chat = await newChat(alice, { model: 'gpt-4o', temperature: 0.3, systemMessage: 'Be brief.' });
    const res = await raw(server.api, 'POST', '/chat/completions', { token: alice.token, body: JSON.stringify({ chat, messages: userMessage('Hi') }) });
    expect(res.status).toBe(200);
    expect(res.json.model).toBe('gpt-4o');
    expect(sent()).toMatchObject({
      model: 'gpt-4o-upstream',
      temperature: 0.3,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
    });
    expect(sent()).not.toHaveProperty('chat');
  });

  it("give way to the request's own model, temperature and system message", async () => {
    const chat = await newChat(alice, { model: 'local-dev', temperature: 0.3, systemMessage: 'Be brief.' });
    await sdk.chat.completions.create(
      withChat({ model: 'gpt-4o', temperature: 1.1, messages: [{ role: 'system' as const, content: 'Be verbose.' }, ...userMessage('Hi')] }, chat),
    );
    expect(sent()).toMatchObject({ model: 'gpt-4o-upstream', temperature: 1.1, messages: [{ role: 'system', content: 'Be verbose.' }, { role: 'user', content: 'Hi' }] });
  });

  it('cannot stand in for a model the chat does not have either', async () => {
    const chat = await newChat(alice, { model: '' });
    const res = await raw(server.api, 'POST', '/chat/completions', { token: alice.token, body: JSON.stringify({ chat, messages: userMessage('Hi') }) });
    expect(res.status).toBe(400);
    expect(res.json.error.details.missing_fields).toEqual(['model']);
  });
});

describe('whose chat', () => {
  it("answers 404 for someone else's chat and for an unknown one, and calls no provider", async () => {
    const bob = await createUser(server.api);
    const bobsChat = await newChat(bob, { model: 'gpt-4o' });
    for (const chat of [bobsChat, 'chat_doesnotexist0000']) {
      const res = await raw(server.api, 'POST', '/chat/completions', {
        token: alice.token,
        body: JSON.stringify({ model: 'gpt-4o', chat, messages: userMessage('Hi') }),
      });
      expect(res.status).toBe(404);
    }
    expect(fake.calls).toHaveLength(0);
    expect(await messagesOf(bobsChat)).toHaveLength(0);
  });
});

describe('storing the answer in the chat', () => {
  it('stores a streamed answer as a complete assistant message, after publishing its deltas', async () => {
    const chat = await newChat(alice, { model: 'gpt-4o' });
    const before = (await chatRow(chat)).updated;
    const stream = await rawStream(server, alice.token, { chat, messages: userMessage('Hi') });
    expect(stream.done).toBe(true);

    const [message] = await messagesOf(chat);
    expect(message).toMatchObject({
      role: 'assistant',
      content: 'Hello from the fake provider.',
      model: 'gpt-4o',
      status: 'complete',
      user_id: alice.user.id,
      usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 },
    });
    expect((await chatRow(chat)).updated.getTime()).toBeGreaterThan(before.getTime());

    const deltas = events.filter((e) => e.type === 'message.delta');
    expect(deltas.map((e) => e.type === 'message.delta' && e.delta).join('')).toBe(message.content);
    expect(deltas.every((e) => e.type === 'message.delta' && e.messageId === message.id && e.chatId === chat)).toBe(true);
    expect(events.slice(deltas.length).map((e) => e.type)).toEqual(['message.created', 'chat.updated', 'chat.completed']);
    expect(events[deltas.length]).toMatchObject({ message: { id: message.id, chat, role: 'assistant', status: 'complete' } });
    expect(events[deltas.length + 1]).toMatchObject({ chat: { id: chat, messages: [message.id] } });
    expect(events[deltas.length + 2]).toMatchObject({ chatId: chat, messageId: message.id, model: 'gpt-4o', status: 'complete', usage: { total_tokens: 16 } });
  });

  it('stores a non-streamed answer too', async () => {
    const chat = await newChat(alice, { model: 'local-dev' });
    const answer = await sdk.chat.completions.create(withChat({ model: 'local-dev', messages: userMessage('Hi') }, chat));
    const [message] = await messagesOf(chat);
    expect(message).toMatchObject({ content: answer.choices[0].message.content, model: 'local-dev', status: 'complete' });
    expect(events.map((e) => e.type)).toEqual(['message.created', 'chat.updated', 'chat.completed']);
  });

  it('keeps the partial text as incomplete when the upstream cuts the stream', async () => {
    const chat = await newChat(alice, { model: 'gpt-4o' });
    fake.queue.push({ kind: 'answer', answer: { cutAfter: 2 } });
    const stream = await rawStream(server, alice.token, { chat, messages: userMessage('Hi') });
    expect(stream.frames[stream.frames.length - 1].error).toBeDefined();
    const [message] = await messagesOf(chat);
    expect(message).toMatchObject({ content: 'Hello from', status: 'incomplete' });
    expect(events.find((e) => e.type === 'chat.completed')).toMatchObject({ status: 'incomplete', messageId: message.id });
  });

  it('keeps the partial text as incomplete when the client leaves', async () => {
    const chat = await newChat(alice, { model: 'gpt-4o' });
    fake.queue.push({ kind: 'answer', answer: { hangAfter: 1 } });
    const controller = new AbortController();
    const stream = await sdk.chat.completions.create(withChat({ model: 'gpt-4o', messages: userMessage('Hi'), stream: true as const }, chat), {
      signal: controller.signal,
    });
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) controller.abort();
    await expect.poll(async () => (await messagesOf(chat)).map((m) => [m.content, m.status]), { timeout: 2000 }).toEqual([['Hello', 'incomplete']]);
  });

  it('stores nothing when the upstream fails before answering', async () => {
    const chat = await newChat(alice, { model: 'gpt-4o' });
    fake.queue.push({ kind: 'error', status: 400, type: 'invalid_request_error', message: 'Bad request' });
    const res = await raw(server.api, 'POST', '/chat/completions', { token: alice.token, body: JSON.stringify({ chat, messages: userMessage('Hi'), stream: true }) });
    expect(res.status).toBe(400);
    expect(await messagesOf(chat)).toHaveLength(0);
    expect(events).toHaveLength(0);
  });
});
