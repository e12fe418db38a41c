import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestChat, createTestMessage, createTestWebhook, createUser, type TestUser } from '../support/factories.js';
import { raw } from '../support/client.js';
import { OPENAI_TEST_KEY, startFakeOpenAI, type FakeOpenAI } from '../support/fakes/fake-openai.js';
import { catalogueFile, model } from '../completions/support.js';
import { startReceiver, type Receiver } from './receiver.js';

// The events come from the real REST flow: the records and completions areas report them to the event bus.
let fake: FakeOpenAI;
let server: TestServer;
let user: TestUser;
let receiver: Receiver;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  const models = await catalogueFile({ models: [model('gpt-4o', 'openai')] });
  server = await startTestServer({
    env: {
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: OPENAI_TEST_KEY,
      T66_MODELS_FILE: models,
      T66_WEBHOOK_ALLOW_PRIVATE: 'true',
      T66_WEBHOOK_POLL_MS: '50',
    },
  });
  user = await createUser(server.api);
  let secret = '';
  receiver = await startReceiver(() => secret);
  secret = (await createTestWebhook(server.api, user.token, { url: receiver.url })).secret;
});

afterAll(async () => {
  await receiver.close();
  await fake.close();
  expect(receiver.problems).toEqual([]);
});

const ofType = (type: string) => receiver.requests.filter((r) => r.body.type === type);

describe('events from the REST API', () => {
  it('a message created with POST /collections/messages/records arrives as chat.message.created', async () => {
    const chat = await createTestChat(server.api, user.token, { title: 'Webhooks' });
    const message = await createTestMessage(server.api, user.token, { chat: chat.id, content: 'Over REST' });
    await receiver.waitFor(() => ofType('chat.message.created').some((r) => (r.body.data.message as { id: string }).id === message.id));
    const delivered = ofType('chat.message.created').find((r) => (r.body.data.message as { id: string }).id === message.id)!;
    expect(delivered.body.data.message).toEqual(message);
  });

  it('a completion bound to a chat arrives as chat.completed with usage and status, after its stored answer', async () => {
    const chat = await createTestChat(server.api, user.token, { title: 'Completion' });
    const res = await raw(server.api, 'POST', '/chat/completions', {
      token: user.token,
      body: JSON.stringify({ model: 'gpt-4o', chat: chat.id, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(res.status).toBe(200);
    await receiver.waitFor(() => ofType('chat.completed').some((r) => r.body.data.chat_id === chat.id));
    const completed = ofType('chat.completed').find((r) => r.body.data.chat_id === chat.id)!;
    expect(completed.body.data).toMatchObject({ chat_id: chat.id, model: 'gpt-4o', status: 'complete', usage: res.json.usage });

    const answer = await server.context.db.selectFrom('messages').selectAll().where('id', '=', completed.body.data.message_id as string).executeTakeFirstOrThrow();
    expect(answer).toMatchObject({ chat_id: chat.id, role: 'assistant', content: res.json.choices[0].message.content });
    await receiver.waitFor(() => ofType('chat.message.created').some((r) => (r.body.data.message as { id: string }).id === answer.id));
  });
});
