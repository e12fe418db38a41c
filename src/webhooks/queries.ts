import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, WebhookDeliveriesTable, WebhooksTable } from '../db/schema.js';

export type WebhookRow = Selectable<WebhooksTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;

/** How many deliveries GET /webhooks/{id}/deliveries shows. */
export const RECENT_DELIVERIES = 100;

export async function insertWebhook(db: Kysely<Database>, row: WebhookRow): Promise<void> {
  await db.insertInto('webhooks').values(row).execute();
}

export async function countWebhooks(db: Kysely<Database>, userId: string): Promise<number> {
  const { count } = await db
    .selectFrom('webhooks')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(count);
}

export function listWebhooks(db: Kysely<Database>, userId: string): Promise<WebhookRow[]> {
  return db
    .selectFrom('webhooks')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Deletes the caller's webhook (its deliveries go with it); false when there is none of theirs. */
export async function deleteWebhook(db: Kysely<Database>, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhooks').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function webhookExists(db: Kysely<Database>, userId: string, id: string): Promise<boolean> {
  const row = await db.selectFrom('webhooks').select('id').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}

export function recentDeliveries(db: Kysely<Database>, webhookId: string): Promise<DeliveryRow[]> {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .orderBy('created', 'desc')
    .orderBy('id', 'desc')
    .limit(RECENT_DELIVERIES)
    .execute();
}

/** A delivery the worker holds, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  webhook_id: string;
  payload: unknown;
  attempts: number;
  url: string;
  secret: string;
}

/**
 * Claims up to `limit` due deliveries for this instance in one statement.
 * `FOR UPDATE SKIP LOCKED` keeps two instances off the same rows while they
 * claim; the lease (`locked_until`) keeps them off afterwards, and lapses if
 * the claimant dies, so the delivery is tried again. `attempts` counts the
 * attempt here, so a delivery that crashes its sender still runs out.
 */
export function claimDueDeliveries(
  db: Kysely<Database>,
  instanceId: string,
  limit: number,
  leaseMs: number,
): Promise<ClaimedDelivery[]> {
  const due = db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', sql<Date>`now()`)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', sql<Date>`now()`)]))
    .orderBy('next_attempt_at')
    .limit(limit)
    .forUpdate()
    .skipLocked();
  return db
    .updateTable('webhook_deliveries as d')
    .from('webhooks as w')
    .set({
      locked_until: sql<Date>`now() + ${leaseMs} * interval '1 millisecond'`,
      claimed_by: instanceId,
      attempts: sql<number>`d.attempts + 1`,
    })
    .whereRef('w.id', '=', 'd.webhook_id')
    .where('d.id', 'in', due)
    .returning(['d.id', 'd.webhook_id', 'd.payload', 'd.attempts', 'w.url', 'w.secret'])
    .execute();
}

export interface AttemptOutcome {
  status: 'pending' | 'succeeded' | 'failed';
  responseStatus: number | null;
  durationMs: number;
  error: string | null;
  /** For a retry, how long from now. */
  retryInMs: number | null;
}

/** Stores an attempt's result, unless the claim lapsed and another instance took the delivery over. */
export async function recordAttempt(db: Kysely<Database>, id: string, instanceId: string, outcome: AttemptOutcome): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({
      status: outcome.status,
      response_status: outcome.responseStatus,
      duration_ms: outcome.durationMs,
      error: outcome.error,
      last_attempt_at: sql<Date>`now()`,
      next_attempt_at: outcome.retryInMs === null ? null : sql<Date>`now() + ${outcome.retryInMs} * interval '1 millisecond'`,
      locked_until: null,
    })
    .where('id', '=', id)
    .where('claimed_by', '=', instanceId)
    .execute();
}

/** Deletes finished deliveries created before `before`; pending ones stay whatever their age. */
export async function pruneDeliveries(db: Kysely<Database>, before: Date): Promise<number> {
  const result = await db.deleteFrom('webhook_deliveries').where('status', '<>', 'pending').where('created', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Gives a claim back untried (this instance is stopping), so the delivery goes out again without waiting for the lease. */
export async function releaseClaim(db: Kysely<Database>, id: string, instanceId: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ locked_until: null, attempts: sql<number>`attempts - 1` })
    .where('id', '=', id)
    .where('claimed_by', '=', instanceId)
    .where('status', '=', 'pending')
    .execute();
}
