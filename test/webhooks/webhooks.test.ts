import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestWebhook, createUser, type TestUser } from '../support/factories.js';
import { raw } from '../support/client.js';
import { freePort, startReceiver, type Receiver } from './receiver.js';
import { completeChat, storeMessage } from './events.js';
import type { WebhookDelivery } from '../../generated/types.gen.js';

// Small delays so retries happen within a test: 50 ms, 200 ms, then 400 ms apart; 6 attempts in all.
const FAST_RETRIES = {
  T66_WEBHOOK_ALLOW_PRIVATE: 'true',
  T66_WEBHOOK_POLL_MS: '50',
  T66_WEBHOOK_BACKOFF_MS: '50',
  T66_WEBHOOK_BACKOFF_MAX_MS: '400',
  T66_WEBHOOK_MAX_ATTEMPTS: '6',
  T66_WEBHOOK_TIMEOUT_MS: '500',
};

let server: TestServer;
const receivers: Receiver[] = [];

beforeAll(async () => {
  server = await startTestServer({ env: FAST_RETRIES });
});

afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
  for (const receiver of receivers) expect(receiver.problems).toEqual([]);
});

async function receiverFor(secret: string | (() => string)) {
  const receiver = await startReceiver(secret);
  receivers.push(receiver);
  return receiver;
}

/** A user with a webhook pointing at a fresh receiver that verifies with the secret T66 answered. */
async function subscribedUser(events?: ('chat.message.created' | 'chat.completed')[], secret?: string) {
  const user = await createUser(server.api);
  let answeredSecret = '';
  const receiver = await receiverFor(() => answeredSecret);
  const webhook = await createTestWebhook(server.api, user.token, { url: receiver.url, events, secret });
  answeredSecret = webhook.secret;
  return { user, receiver, webhook };
}

async function deliveries(user: TestUser, webhookId: string): Promise<WebhookDelivery[]> {
  const res = await raw(server.api, 'GET', `/webhooks/${webhookId}/deliveries`, { token: user.token });
  expect(res.status).toBe(200);
  return res.json.data;
}

async function waitForDelivery(user: TestUser, webhookId: string, done: (d: WebhookDelivery) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [latest] = await deliveries(user, webhookId);
    if (latest && done(latest)) return latest;
    if (Date.now() > deadline) throw new Error(`delivery did not settle: ${JSON.stringify(latest)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('registering a webhook', () => {
  it('answers the webhook with a generated whsec_ secret once, then only a hint', async () => {
    const user = await createUser(server.api);
    const created = await createTestWebhook(server.api, user.token, { url: 'https://example.com/hook' });
    expect(created).toMatchObject({ url: 'https://example.com/hook', events: ['chat.message.created', 'chat.completed'] });
    expect(created.id).toMatch(/^wh_/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.secret_hint).toBe(`…${created.secret.slice(-4)}`);

    const listed = await raw(server.api, 'GET', '/webhooks', { token: user.token });
    expect(listed.status).toBe(200);
    expect(listed.json.data).toEqual([{ id: created.id, url: created.url, events: created.events, secret_hint: created.secret_hint, created: created.created }]);
    expect(listed.text).not.toContain(created.secret);
  });

  it('keeps a chosen secret, stored encrypted', async () => {
    const user = await createUser(server.api);
    const created = await createTestWebhook(server.api, user.token, { url: 'https://example.com/hook', secret: 'webhook_secret' });
    expect(created.secret).toBe('webhook_secret');
    expect(created.secret_hint).toBe('…cret');
    const row = await server.context.db.selectFrom('webhooks').select('secret').where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.secret).not.toContain('webhook_secret');
    expect(server.context.encryptor.decrypt(row.secret)).toBe('webhook_secret');
  });

  it('refuses unknown events, bad URLs and malformed whsec_ secrets with 400', async () => {
    const user = await createUser(server.api);
    const attempt = (body: object) => raw(server.api, 'POST', '/webhooks', { token: user.token, body: JSON.stringify(body) });
    const cases = [
      { url: 'https://example.com/hook', events: ['chat.deleted'] },
      { url: 'https://example.com/hook', events: [] },
      { url: 'not a url', events: ['chat.completed'] },
      { url: 'ftp://example.com/hook', events: ['chat.completed'] },
      { url: 'https://example.com/hook', events: ['chat.completed'], secret: 'whsec_not base64!' },
      { events: ['chat.completed'] },
    ];
    for (const body of cases) {
      const res = await attempt(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
    }
    expect((await raw(server.api, 'GET', '/webhooks', { token: user.token })).json.data).toEqual([]);
  });

  it('needs a token', async () => {
    expect((await raw(server.api, 'GET', '/webhooks')).status).toBe(401);
    const res = await raw(server.api, 'POST', '/webhooks', { body: JSON.stringify({ url: 'https://example.com', events: ['chat.completed'] }) });
    expect(res.status).toBe(401);
  });
});

describe('webhooks belong to their owner', () => {
  it("answers 404 for another user's webhook and never lists it", async () => {
    const owner = await createUser(server.api);
    const other = await createUser(server.api);
    const webhook = await createTestWebhook(server.api, owner.token, { url: 'https://example.com/hook' });

    expect((await raw(server.api, 'GET', '/webhooks', { token: other.token })).json.data).toEqual([]);
    expect((await raw(server.api, 'GET', `/webhooks/${webhook.id}/deliveries`, { token: other.token })).status).toBe(404);
    const deleted = await raw(server.api, 'DELETE', `/webhooks/${webhook.id}`, { token: other.token });
    expect(deleted.status).toBe(404);
    expect(deleted.json.error.code).toBe('not_found');
    expect((await raw(server.api, 'GET', '/webhooks', { token: owner.token })).json.data).toHaveLength(1);
  });

  it('deletes a webhook, after which it is gone', async () => {
    const owner = await createUser(server.api);
    const webhook = await createTestWebhook(server.api, owner.token, { url: 'https://example.com/hook' });
    expect((await raw(server.api, 'DELETE', `/webhooks/${webhook.id}`, { token: owner.token })).status).toBe(204);
    expect((await raw(server.api, 'DELETE', `/webhooks/${webhook.id}`, { token: owner.token })).status).toBe(404);
    expect((await raw(server.api, 'GET', `/webhooks/${webhook.id}/deliveries`, { token: owner.token })).status).toBe(404);
    expect((await raw(server.api, 'GET', '/webhooks', { token: owner.token })).json.data).toEqual([]);
  });
});

describe('on a server with a slow poll and a small cap', () => {
  let other: TestServer;
  beforeAll(async () => {
    other = await startTestServer({ env: { ...FAST_RETRIES, T66_WEBHOOK_MAX_PER_USER: '2', T66_WEBHOOK_POLL_MS: '60000' } });
  });

  it('caps how many webhooks one account has', async () => {
    const user = await createUser(other.api);
    await createTestWebhook(other.api, user.token, { url: 'https://example.com/1' });
    await createTestWebhook(other.api, user.token, { url: 'https://example.com/2' });
    const third = await raw(other.api, 'POST', '/webhooks', { token: user.token, body: JSON.stringify({ url: 'https://example.com/3', events: ['chat.completed'] }) });
    expect(third.status).toBe(400);
    expect(third.json.error.message).toMatch(/at most 2 webhooks/);
  });

  it('delivers right after the commit, without waiting for the next poll', async () => {
    const user = await createUser(other.api);
    let secret = '';
    const receiver = await receiverFor(() => secret);
    secret = (await createTestWebhook(other.api, user.token, { url: receiver.url })).secret;
    const started = Date.now();
    await storeMessage(other.context, user.user.id);
    await receiver.waitFor(() => receiver.acknowledged().size === 1, 10_000, 'the delivery');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('delivering events', () => {
  it('POSTs chat.message.created, signed per Standard Webhooks, with a generated secret', async () => {
    const { user, receiver, webhook } = await subscribedUser();
    const { chatId, message } = await storeMessage(server.context, user.user.id, { content: 'Hi webhooks' });
    await receiver.waitFor(() => receiver.requests.length === 1, 15_000, 'the delivery');

    const [request] = receiver.requests;
    expect(request.id).toMatch(/^msg_/);
    expect(Math.abs(Number(request.timestamp) - Date.now() / 1000)).toBeLessThan(30);
    expect(request.body).toEqual({ type: 'chat.message.created', timestamp: expect.any(String), data: { message } });
    expect(message.chat).toBe(chatId);

    const delivery = await waitForDelivery(user, webhook.id, (d) => d.status === 'succeeded');
    expect(delivery).toMatchObject({ id: request.id, webhook: webhook.id, event_type: 'chat.message.created', attempts: 1, response_status: 200, error: null, next_attempt_at: null });
    expect(delivery.duration_ms).toBeGreaterThanOrEqual(0);
    expect(delivery.last_attempt_at).not.toBeNull();
  });

  it('signs with the UTF-8 bytes of a chosen secret such as the seed\'s "webhook_secret"', async () => {
    const { user, receiver } = await subscribedUser(['chat.message.created'], 'webhook_secret');
    await storeMessage(server.context, user.user.id);
    await receiver.waitFor(() => receiver.acknowledged().size === 1, 15_000, 'the delivery');
    // The receiver verified it with new Webhook('whsec_' + base64('webhook_secret')); a wrong key would be a problem there.
    expect(receiver.problems).toEqual([]);
  });

  it('POSTs chat.completed with usage and status', async () => {
    const { user, receiver } = await subscribedUser(['chat.completed']);
    const { chatId } = await storeMessage(server.context, user.user.id);
    const event = await completeChat(server.context, user.user.id, chatId);
    await receiver.waitFor(() => receiver.requests.length === 1, 15_000, 'the delivery');
    // Subscribed to chat.completed only: the stored message sent nothing.
    expect(receiver.requests[0].body).toEqual({
      type: 'chat.completed',
      timestamp: expect.any(String),
      data: { chat_id: chatId, message_id: event.type === 'chat.completed' ? event.messageId : '', model: 'gpt-4o-mini', status: 'complete', usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 } },
    });
  });

  it("sends only the owner's events to the owner's webhooks", async () => {
    const mine = await subscribedUser();
    const theirs = await subscribedUser();
    await storeMessage(server.context, theirs.user.user.id);
    await theirs.receiver.waitFor(() => theirs.receiver.requests.length === 1);
    await storeMessage(server.context, mine.user.user.id);
    await mine.receiver.waitFor(() => mine.receiver.requests.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(theirs.receiver.requests).toHaveLength(1);
    expect(mine.receiver.requests).toHaveLength(1);
  });

  it('queues nothing when the transaction that stored the change rolls back', async () => {
    const { user, receiver, webhook } = await subscribedUser();
    await storeMessage(server.context, user.user.id, { rollback: true });
    await storeMessage(server.context, user.user.id, { content: 'kept' });
    await receiver.waitFor(() => receiver.requests.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.requests).toHaveLength(1);
    expect((receiver.requests[0].body.data.message as { content: string }).content).toBe('kept');
    expect(await deliveries(user, webhook.id)).toHaveLength(1);
  });
});

describe('retries', () => {
  it('retries after a 500 with the same webhook-id until the receiver takes it', async () => {
    const { user, receiver, webhook } = await subscribedUser();
    receiver.behave(({ n }) => (n <= 2 ? 500 : 200));
    await storeMessage(server.context, user.user.id);
    await receiver.waitFor(() => receiver.acknowledged().size === 1, 15_000, 'the third attempt');

    expect(receiver.requests.map((r) => r.answered)).toEqual([500, 500, 200]);
    expect(new Set(receiver.requests.map((r) => r.id)).size).toBe(1);
    // Backoff: the second wait (about 200 ms) is longer than the first (about 50 ms).
    const [first, second, third] = receiver.requests.map((r) => r.at);
    expect(third - second).toBeGreaterThan(second - first);
    const delivery = await waitForDelivery(user, webhook.id, (d) => d.status === 'succeeded');
    expect(delivery).toMatchObject({ attempts: 3, response_status: 200, error: null });
  });

  it('keeps trying a receiver that is down, and delivers once it comes up', async () => {
    const user = await createUser(server.api);
    const port = await freePort();
    const webhook = await createTestWebhook(server.api, user.token, { url: `http://127.0.0.1:${port}/hooks`, secret: 'down-then-up-secret' });
    await storeMessage(server.context, user.user.id);
    const failing = await waitForDelivery(user, webhook.id, (d) => d.attempts >= 2 && d.error !== null);
    expect(failing).toMatchObject({ response_status: null, error: 'connection refused' });
    expect(failing.next_attempt_at).not.toBeNull();

    const receiver = await startReceiver('down-then-up-secret', { port });
    receivers.push(receiver);
    await receiver.waitFor(() => receiver.acknowledged().size === 1, 15_000, 'the delivery after the receiver came up');
    const delivered = await waitForDelivery(user, webhook.id, (d) => d.status === 'succeeded');
    expect(delivered.attempts).toBeGreaterThanOrEqual(3);
    expect(delivered.id).toBe(receiver.requests[0].id);
  });

  it('gives up a receiver that does not answer within the timeout, then retries', async () => {
    const { user, receiver, webhook } = await subscribedUser();
    receiver.behave(({ n }) => (n === 1 ? 'hang' : 200));
    await storeMessage(server.context, user.user.id);
    await receiver.waitFor(() => receiver.acknowledged().size === 1, 15_000, 'the retry');
    const delivery = await waitForDelivery(user, webhook.id, (d) => d.status === 'succeeded');
    expect(delivery.attempts).toBe(2);
    expect(receiver.requests[1].at - receiver.requests[0].at).toBeGreaterThanOrEqual(500);
  });

  it('marks a delivery failed after the configured number of attempts', async () => {
    const { user, receiver, webhook } = await subscribedUser();
    receiver.behave(() => 503);
    await storeMessage(server.context, user.user.id);
    const delivery = await waitForDelivery(user, webhook.id, (d) => d.status === 'failed');
    expect(delivery).toMatchObject({ attempts: 6, response_status: 503, error: 'HTTP 503', next_attempt_at: null });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.requests).toHaveLength(6);
  });
});
