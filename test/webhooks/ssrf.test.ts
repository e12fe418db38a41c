import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { createTestWebhook, createUser, type TestUser } from '../support/factories.js';
import { raw } from '../support/client.js';
import { newId } from '../../src/db/ids.js';
import { startReceiver, type Receiver } from './receiver.js';
import { storeMessage } from './events.js';
import type { WebhookDelivery } from '../../generated/types.gen.js';

// T66_WEBHOOK_ALLOW_PRIVATE is off here, as in production.
let server: TestServer;
let user: TestUser;
let receiver: Receiver;

beforeAll(async () => {
  server = await startTestServer({
    env: { T66_WEBHOOK_POLL_MS: '50', T66_WEBHOOK_BACKOFF_MS: '50', T66_WEBHOOK_MAX_ATTEMPTS: '2', T66_WEBHOOK_TIMEOUT_MS: '1000' },
  });
  user = await createUser(server.api);
  receiver = await startReceiver('receiver-secret');
});

afterAll(() => receiver.close());

describe('the SSRF guard at registration', () => {
  const refused = [
    'http://127.0.0.1:8080/hook',
    'http://127.1/hook',
    'http://2130706433/hook', // 127.0.0.1 written as a number
    'http://10.0.0.5/hook',
    'http://172.16.3.4/hook',
    'http://192.168.1.10/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.100.100.200/hook',
    'http://0.0.0.0/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[fd00:ec2::254]/hook',
    'http://[fe80::1]/hook',
    'http://localhost:8080/hook',
    'http://[::ffff:0:7f00:1]/hook', // IPv4-translated 127.0.0.1
    'http://93.184.215.14/\r\nX-Injected: 1', // header injection attempt
    'http://user:pass@93.184.215.14/hook', // credentials would be listed back
    'http://93.184.215.14:0/hook',
  ];
  for (const url of refused) {
    it(`refuses ${url}`, async () => {
      const res = await raw(server.api, 'POST', '/webhooks', { token: user.token, body: JSON.stringify({ url, events: ['chat.message.created'] }) });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
      expect(res.json.error.details.errors[0].path).toBe('/url');
    });
  }

  it('accepts a public address', async () => {
    const created = await createTestWebhook(server.api, user.token, { url: 'https://93.184.215.14/hook' });
    expect(created.url).toBe('https://93.184.215.14/hook');
  });

  it('stored nothing for the refused URLs', async () => {
    const listed = await raw(server.api, 'GET', '/webhooks', { token: user.token });
    expect(listed.json.data.map((w: { url: string }) => w.url)).toEqual(['https://93.184.215.14/hook']);
  });
});

describe('the SSRF guard at delivery', () => {
  let owner: TestUser;
  beforeAll(async () => {
    owner = await createUser(server.api);
  });

  // DNS can change after registration, so the check runs again on every attempt.
  // These rows stand for webhooks whose host resolved to a public address when they were registered.
  async function webhookAt(url: string) {
    const id = newId('wh');
    await server.context.db
      .insertInto('webhooks')
      .values({ id, user_id: owner.user.id, url, events: ['chat.message.created'], secret: server.context.encryptor.encrypt('receiver-secret'), secret_hint: '…cret', created: new Date() })
      .execute();
    return id;
  }

  async function settled(webhookId: string): Promise<WebhookDelivery> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await raw(server.api, 'GET', `/webhooks/${webhookId}/deliveries`, { token: owner.token });
      const [latest] = res.json.data as WebhookDelivery[];
      if (latest?.status === 'failed') return latest;
      if (Date.now() > deadline) throw new Error(`delivery did not fail: ${JSON.stringify(latest)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('refuses to connect to a loopback address, by IP or by a name that resolves to one', async () => {
    const byAddress = await webhookAt(receiver.url);
    const byName = await webhookAt(receiver.url.replace('127.0.0.1', 'localhost'));
    await storeMessage(server.context, owner.user.id);
    for (const id of [byAddress, byName]) {
      const delivery = await settled(id);
      expect(delivery.error).toMatch(/^refused: .*not a public address/);
      expect(delivery.response_status).toBeNull();
    }
    expect(receiver.requests).toEqual([]);
    expect(receiver.problems).toEqual([]);
  });
});
