import { afterAll, describe, expect, it } from 'vitest';
import { testDb } from '../support/server.js';
import { createTestDataDir, createTestPostgres } from '../support/databases.js';
import { createTestChat, createTestMessage, createTestWebhook, createUser } from '../support/factories.js';
import { raw } from '../support/client.js';
import type { WebhookDelivery } from '../../generated/types.gen.js';
import { startChildServer, type ChildServer } from './child-server.js';
import { startReceiver } from './receiver.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('a server killed with SIGKILL while deliveries are pending', () => {
  it('delivers every event after a restart; receivers de-duplicate by webhook-id', async () => {
    const dir = await createTestDataDir(testDb() === 'pglite');
    cleanups.push(dir.remove);
    const env: Record<string, string> = {
      T66_DATA_DIR: dir.dir,
      T66_WEBHOOK_ALLOW_PRIVATE: 'true',
      T66_WEBHOOK_POLL_MS: '50',
      T66_WEBHOOK_TIMEOUT_MS: '1000',
      T66_WEBHOOK_BACKOFF_MS: '100',
      T66_WEBHOOK_BACKOFF_MAX_MS: '500',
      T66_WEBHOOK_CONCURRENCY: '4',
    };
    if (testDb() === 'postgres') {
      const pg = await createTestPostgres();
      cleanups.push(pg.drop);
      env.DATABASE_URL = pg.url;
    }

    let first: ChildServer | undefined = await startChildServer(env);
    cleanups.push(() => first?.kill() ?? Promise.resolve());
    const user = await createUser(first.api);
    let secret = '';
    const receiver = await startReceiver(() => secret);
    cleanups.push(() => receiver.close());
    // Before the crash the first few deliveries are answered; later ones hang, so they are in flight when the server dies.
    receiver.behave(({ n }) => (n <= 3 ? 200 : 'hang'));
    const webhook = await createTestWebhook(first.api, user.token, { url: receiver.url, events: ['chat.message.created'] });
    secret = webhook.secret;

    const events = 20;
    const chat = await createTestChat(first.api, user.token);
    for (let i = 0; i < events; i++) await createTestMessage(first.api, user.token, { chat: chat.id, content: `event ${i}` });
    await receiver.waitFor(() => receiver.requests.length >= 7, 20_000, 'deliveries in flight');
    const listed = await raw(first.api, 'GET', `/webhooks/${webhook.id}/deliveries`, { token: user.token });
    await first.kill();
    first = undefined;

    const beforeCrash = listed.json.data as WebhookDelivery[];
    expect(beforeCrash).toHaveLength(events);
    expect(beforeCrash.filter((d) => d.status === 'pending').length).toBeGreaterThanOrEqual(events - 3);
    const inFlight = new Set(receiver.requests.filter((r) => r.answered === 0).map((r) => r.id));
    expect(inFlight.size).toBeGreaterThan(0);
    expect(receiver.acknowledged().size).toBe(3);

    receiver.behave(() => 200);
    const second = await startChildServer(env);
    cleanups.push(() => second.kill());
    // Claims of the dead instance come back once their lease (timeout + 5 s) lapses.
    await receiver.waitFor(() => receiver.acknowledged().size === events, 30_000, 'every event after the restart');

    expect(receiver.problems).toEqual([]);
    const contents = new Set(receiver.requests.map((r) => (r.body.data.message as { content: string }).content));
    expect(contents).toEqual(new Set(Array.from({ length: events }, (_, i) => `event ${i}`)));
    // What was in flight at the crash came again under the same webhook-id, for the receiver to de-duplicate.
    for (const id of inFlight) expect(receiver.requests.filter((r) => r.id === id).length).toBeGreaterThanOrEqual(2);
    const after = await raw(second.api, 'GET', `/webhooks/${webhook.id}/deliveries`, { token: user.token });
    expect(after.json.data.map((d: WebhookDelivery) => d.status)).toEqual(Array(events).fill('succeeded'));
  }, 180_000); // two server processes start (each a few seconds, far more on a loaded machine), and a lease must lapse
});
