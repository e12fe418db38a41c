import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { startTestServer, testDb, type TestServer } from '../support/server.js';
import { createTestChat, createTestMessage, createTestWebhook, createUser } from '../support/factories.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { createTestDataDir, createTestPostgres } from '../support/databases.js';
import type { Database } from '../../src/db/schema.js';
import { newId } from '../../src/db/ids.js';
import { claimDueDeliveries, pruneDeliveries, recordAttempt } from '../../src/webhooks/queries.js';
import { startReceiver, type Receiver } from './receiver.js';

/** A user, a webhook and `count` due deliveries, written straight into the outbox. */
async function seedOutbox(db: Kysely<Database>, count: number): Promise<string[]> {
  const now = new Date();
  const userId = newId('user');
  const webhookId = newId('wh');
  await db.insertInto('users').values({ id: userId, email: `${userId}@example.com`, name: '', password_hash: 'x', created: now, updated: now }).execute();
  await db
    .insertInto('webhooks')
    .values({ id: webhookId, user_id: userId, url: 'http://127.0.0.1:9/', events: ['chat.completed'], secret: 'x', secret_hint: 'x', created: now })
    .execute();
  const ids = Array.from({ length: count }, () => newId('msg'));
  await db
    .insertInto('webhook_deliveries')
    .values(ids.map((id) => ({ id, webhook_id: webhookId, user_id: userId, event_type: 'chat.completed', payload: '{}', next_attempt_at: now, created: now })))
    .execute();
  return ids;
}

describe('claiming deliveries', () => {
  // The claim queries alone, without a running worker that would compete for the rows.
  let handle: DatabaseHandle;
  let db: Kysely<Database>;
  let databaseUrl: string | undefined;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const dir = await createTestDataDir(testDb() === 'pglite');
    cleanups.push(dir.remove);
    if (testDb() === 'postgres') {
      const pg = await createTestPostgres();
      databaseUrl = pg.url;
      cleanups.push(pg.drop);
    }
    handle = await openDatabase({ databaseUrl, pgliteDir: path.join(dir.dir, 'pglite') });
    db = handle.db;
  });
  afterAll(async () => {
    await handle?.close();
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('hands each due delivery to one claimant, and not again while its lease holds', async () => {
    const ids = await seedOutbox(db, 30);
    const first = await claimDueDeliveries(db, 'instance-a', 20, 60_000);
    const second = await claimDueDeliveries(db, 'instance-b', 20, 60_000);
    expect(first).toHaveLength(20);
    expect(second).toHaveLength(10);
    expect(new Set([...first, ...second].map((d) => d.id))).toEqual(new Set(ids));
    expect(await claimDueDeliveries(db, 'instance-c', 20, 60_000)).toEqual([]);
    for (const d of [...first, ...second]) await recordAttempt(db, d.id, d.id === first[0].id ? 'instance-a' : 'someone-else', { status: 'succeeded', responseStatus: 200, durationMs: 1, error: null, retryInMs: null });
    // Only the claim holder's result is stored.
    const stored = await db.selectFrom('webhook_deliveries').select(['id', 'status']).where('status', '=', 'succeeded').execute();
    expect(stored.map((r) => r.id)).toEqual([first[0].id]);
    await db.deleteFrom('webhook_deliveries').execute();
  });

  it("takes over a claim whose lease lapsed (its instance died), counting the attempt", async () => {
    const [id] = await seedOutbox(db, 1);
    const [dead] = await claimDueDeliveries(db, 'instance-that-dies', 5, 1);
    expect(dead.attempts).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    const [retaken] = await claimDueDeliveries(db, 'instance-b', 5, 60_000);
    expect(retaken).toMatchObject({ id, attempts: 2 });
    await db.deleteFrom('webhook_deliveries').execute();
  });

  it('prunes finished deliveries past the retention, never pending ones', async () => {
    const [done, failed, pending, recent] = await seedOutbox(db, 4);
    const old = new Date(Date.now() - 40 * 86_400_000);
    await db.updateTable('webhook_deliveries').set({ created: old, status: 'succeeded' }).where('id', '=', done).execute();
    await db.updateTable('webhook_deliveries').set({ created: old, status: 'failed' }).where('id', '=', failed).execute();
    await db.updateTable('webhook_deliveries').set({ created: old }).where('id', '=', pending).execute();
    await db.updateTable('webhook_deliveries').set({ status: 'succeeded' }).where('id', '=', recent).execute();
    expect(await pruneDeliveries(db, new Date(Date.now() - 30 * 86_400_000))).toBe(2);
    const left = await db.selectFrom('webhook_deliveries').select('id').execute();
    expect(new Set(left.map((r) => r.id))).toEqual(new Set([pending, recent]));
    await db.deleteFrom('webhook_deliveries').execute();
  });

  // PGlite is embedded in one process and runs one statement at a time, so only PostgreSQL can race two claimants.
  it.runIf(testDb() === 'postgres')('never gives a row to two claimants racing on separate connections', async () => {
    const ids = await seedOutbox(db, 200);
    const other = await openDatabase({ databaseUrl, pgliteDir: '' });
    try {
      const claimant = async (database: Kysely<Database>, name: string) => {
        const mine: string[] = [];
        for (;;) {
          const batch = await claimDueDeliveries(database, name, 7, 60_000);
          if (batch.length === 0) return mine;
          mine.push(...batch.map((d) => d.id));
        }
      };
      const [a, b] = await Promise.all([claimant(db, 'a'), claimant(other.db, 'b')]);
      expect(a.length + b.length).toBe(200);
      expect(new Set([...a, ...b])).toEqual(new Set(ids));
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });
});

// Two instances need a database both can reach; PGlite is embedded in a single process, so this runs on PostgreSQL only.
describe.runIf(testDb() === 'postgres')('two instances on one database', () => {
  let a: TestServer;
  let b: TestServer;
  let receiver: Receiver;
  const env = { T66_WEBHOOK_ALLOW_PRIVATE: 'true', T66_WEBHOOK_POLL_MS: '20', T66_WEBHOOK_CONCURRENCY: '4' };

  beforeAll(async () => {
    a = await startTestServer({ env });
    // Same database and data dir: the same encryption key, as instances behind one load balancer share it.
    b = await startTestServer({ env, reuse: { dataDir: a.dataDir, databaseUrl: a.databaseUrl } });
  });
  afterAll(() => receiver?.close());

  it('deliver every event exactly once between them', async () => {
    const user = await createUser(a.api);
    let secret = '';
    receiver = await startReceiver(() => secret);
    // A receiver that takes a moment, so both instances hold claims at the same time.
    receiver.behave(() => new Promise((r) => setTimeout(() => r(200), 15)));
    const webhook = await createTestWebhook(b.api, user.token, { url: receiver.url, events: ['chat.message.created'] });
    secret = webhook.secret;

    const events = 60;
    const chat = await createTestChat(a.api, user.token);
    // Half the messages are written through each instance, so both are woken by commits and race for the outbox.
    await Promise.all(Array.from({ length: events }, (_, i) => createTestMessage((i % 2 ? a : b).api, user.token, { chat: chat.id, content: `message ${i}` })));
    await receiver.waitFor(() => receiver.acknowledged().size === events, 30_000, `${events} deliveries`);
    await new Promise((r) => setTimeout(r, 500)); // room for a double delivery to show up

    expect(receiver.problems).toEqual([]);
    expect(receiver.requests).toHaveLength(events);
    const contents = receiver.requests.map((r) => (r.body.data.message as { content: string }).content);
    expect(new Set(contents).size).toBe(events);
    const senders = await a.context.db.selectFrom('webhook_deliveries').select('claimed_by').distinct().execute();
    expect(senders).toHaveLength(2); // both instances took part
  });
});
