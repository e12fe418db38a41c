/**
 * client.webhooks against a running T66, and verifyWebhook as a receiver uses it: on real
 * deliveries from the server, and against signatures made by the `standardwebhooks` library.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, WebhookVerificationError, verifyWebhook, type T66Client, type WebhookEvent } from '../../sdk/js/src/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { eventually, signedUpClient } from './support.js';

interface Delivery {
  path: string;
  raw: string;
  headers: http.IncomingHttpHeaders;
}

/** A receiver on 127.0.0.1 that keeps each request's raw body and headers, and answers 200. */
async function startCapture() {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ path: req.url ?? '', raw: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    deliveries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let server: TestServer;
let client: T66Client;
let capture: Awaited<ReturnType<typeof startCapture>>;
beforeAll(async () => {
  capture = await startCapture();
  server = await startTestServer({ env: { T66_WEBHOOK_ALLOW_PRIVATE: 'true', T66_WEBHOOK_POLL_MS: '50' } });
  ({ client } = await signedUpClient(server));
});
afterAll(async () => {
  await capture.close();
});

describe('registering, listing and deleting webhooks', () => {
  it('answers the secret once at creation, a hint afterwards, and the delivery log', async () => {
    const created = await client.webhooks.create({ url: capture.url('/one'), events: ['chat.message.created'], secret: 'webhook_secret' });
    expect(created).toMatchObject({ url: capture.url('/one'), events: ['chat.message.created'], secret: 'webhook_secret' });
    const generated = await client.webhooks.create({ url: capture.url('/two'), events: ['chat.message.created', 'chat.completed'] });
    expect(generated.secret).toMatch(/^whsec_/);

    const listed = await client.webhooks.list();
    expect(listed.data.map((w) => w.id).sort()).toEqual([created.id, generated.id].sort());
    expect(JSON.stringify(listed)).not.toContain('webhook_secret');
    expect(await client.webhooks.deliveries(created.id)).toEqual({ data: [] });

    await client.webhooks.delete(created.id);
    await client.webhooks.delete(generated.id);
    expect((await client.webhooks.list()).data).toEqual([]);
    await expect(client.webhooks.deliveries(created.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers BadRequestError for an unknown event name', async () => {
    await expect(client.webhooks.create({ url: capture.url('/x'), events: ['chat.exploded' as 'chat.completed'] })).rejects.toMatchObject({ status: 400 });
  });
});

describe('verifying real deliveries with verifyWebhook', () => {
  it('verifies deliveries signed with a chosen secret and with a generated whsec_ secret', async () => {
    const { client: owner } = await signedUpClient(server);
    const chosen = await owner.webhooks.create({ url: capture.url('/chosen'), events: ['chat.message.created'], secret: 'my chosen secret' });
    const generated = await owner.webhooks.create({ url: capture.url('/generated'), events: ['chat.message.created'] });
    const before = capture.deliveries.length;
    const chat = await owner.chats.create({ title: 'hooked' });
    const message = await owner.messages.create({ chat: chat.id, content: 'ping the hooks' });
    await eventually(() => capture.deliveries.length >= before + 2, 'two deliveries', 10_000);

    const fresh = capture.deliveries.slice(before);
    const events: WebhookEvent<{ message: { id: string } }>[] = [];
    for (const delivery of fresh) {
      // Each delivery verifies with exactly one of the two secrets.
      const results = await Promise.allSettled([chosen.secret, generated.secret].map((secret) => verifyWebhook<{ message: { id: string } }>(delivery.raw, delivery.headers, secret)));
      const ok = results.filter((r): r is PromiseFulfilledResult<WebhookEvent<{ message: { id: string } }>> => r.status === 'fulfilled');
      expect(ok).toHaveLength(1);
      events.push(ok[0].value);
    }
    expect(events.map((e) => e.type)).toEqual(['chat.message.created', 'chat.message.created']);
    expect(events.map((e) => e.data.message.id)).toEqual([message.id, message.id]);

    expect(fresh.map((d) => d.path).sort()).toEqual(['/chosen', '/generated']);

    let log = await owner.webhooks.deliveries(chosen.id);
    const deadline = Date.now() + 5000;
    while (log.data[0]?.status !== 'succeeded' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      log = await owner.webhooks.deliveries(chosen.id);
    }
    expect(log.data[0]).toMatchObject({ webhook: chosen.id, event_type: 'chat.message.created', status: 'succeeded', response_status: 200 });
  });

  it('refuses a tampered body, a wrong secret, a stale timestamp and missing headers', async () => {
    const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    const payload = JSON.stringify({ type: 'chat.completed', timestamp: new Date().toISOString(), data: { chat_id: 'chat_1' } });
    const headers = signed(secret, 'msg_1', payload, new Date());
    await expect(verifyWebhook(payload, headers, secret)).resolves.toMatchObject({ type: 'chat.completed' });
    await expect(verifyWebhook(payload.replace('chat_1', 'chat_2'), headers, secret)).rejects.toThrow(WebhookVerificationError);
    await expect(verifyWebhook(payload, headers, 'whsec_' + Buffer.from('another key entirely!!').toString('base64'))).rejects.toThrow(/No matching signature/);
    const stale = signed(secret, 'msg_1', payload, new Date(Date.now() - 10 * 60_000));
    await expect(verifyWebhook(payload, stale, secret)).rejects.toThrow(/too old/);
    await expect(verifyWebhook(payload, { 'webhook-id': 'msg_1' }, secret)).rejects.toThrow(/Missing/);
  });
});

/** Headers as the `standardwebhooks` library signs them. */
function signed(secret: string, id: string, payload: string, at: Date): Record<string, string> {
  const signature = new Webhook(secret).sign(id, at, payload);
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}

describe('verifyWebhook agrees with the standardwebhooks library', () => {
  it('accepts what the library signs, with a whsec_ secret or a chosen secret, from a string, bytes or Headers', async () => {
    const payload = JSON.stringify({ type: 'chat.message.created', timestamp: '2025-01-01T00:00:00.000Z', data: { text: 'héllo ✓' } });
    const whsec = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(await verifyWebhook(payload, signed(whsec, 'msg_a', payload, new Date()), whsec)).toEqual(JSON.parse(payload));

    // A chosen secret signs with its UTF-8 bytes; the library's form of that is whsec_ + base64(secret).
    const chosen = 'webhook_secret';
    const headers = new Headers(signed(`whsec_${Buffer.from(chosen).toString('base64')}`, 'msg_b', payload, new Date()));
    expect(await verifyWebhook(new TextEncoder().encode(payload), headers, chosen)).toEqual(JSON.parse(payload));
  });

  it('accepts any one of several signatures, as during a secret rotation', async () => {
    const payload = '{"type":"chat.completed","timestamp":"2025-01-01T00:00:00.000Z","data":{}}';
    const oldSecret = 'whsec_' + Buffer.from('old secret bytes').toString('base64');
    const newSecret = 'whsec_' + Buffer.from('new secret bytes').toString('base64');
    const now = new Date();
    const both = signed(oldSecret, 'msg_c', payload, now);
    both['webhook-signature'] = `${both['webhook-signature']} ${signed(newSecret, 'msg_c', payload, now)['webhook-signature']}`;
    await expect(verifyWebhook(payload, both, newSecret)).resolves.toMatchObject({ type: 'chat.completed' });
  });
});
