import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { DomainEvent } from '../events/types.js';
import type { WebhookEventType } from '../../generated/types.gen.js';

/** The body every delivery POSTs (asyncapi.yaml: ChatMessageCreatedWebhook, ChatCompletedWebhook). */
export interface WebhookPayload {
  type: WebhookEventType;
  timestamp: string;
  data: Record<string, unknown>;
}

/** The webhook payload a domain event produces, or undefined for events webhooks do not carry. */
export function webhookPayload(event: DomainEvent, at: Date): WebhookPayload | undefined {
  const timestamp = at.toISOString();
  switch (event.type) {
    case 'message.created':
      return { type: 'chat.message.created', timestamp, data: { message: event.message } };
    case 'chat.completed':
      return {
        type: 'chat.completed',
        timestamp,
        data: { chat_id: event.chatId, message_id: event.messageId, model: event.model, status: event.status, usage: event.usage },
      };
    default:
      return undefined;
  }
}

/**
 * Queues one delivery per webhook of the event's owner subscribed to it, in the
 * caller's transaction: the deliveries exist exactly when the change commits.
 * A single INSERT … SELECT, so a message write costs one extra statement.
 */
export async function writeOutbox(tx: Kysely<Database>, event: DomainEvent, at = new Date()): Promise<number> {
  const payload = webhookPayload(event, at);
  if (!payload) return 0;
  const result = await tx
    .insertInto('webhook_deliveries')
    .columns(['id', 'webhook_id', 'user_id', 'event_type', 'payload', 'status', 'attempts', 'next_attempt_at', 'created'])
    .expression((eb) =>
      eb
        .selectFrom('webhooks')
        .select([
          sql<string>`'msg_' || replace(gen_random_uuid()::text, '-', '')`.as('id'),
          'webhooks.id as webhook_id',
          'webhooks.user_id',
          sql.val(payload.type).as('event_type'),
          sql<string>`${JSON.stringify(payload)}::jsonb`.as('payload'),
          sql.lit('pending').as('status'),
          sql.lit(0).as('attempts'),
          sql<Date>`${at}::timestamptz`.as('next_attempt_at'),
          sql<Date>`${at}::timestamptz`.as('created'),
        ])
        .where('webhooks.user_id', '=', event.userId)
        .where('webhooks.events', '@>', sql<string[]>`ARRAY[${payload.type}]::text[]`),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}
