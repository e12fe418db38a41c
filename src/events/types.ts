import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Chat, Message, Usage } from '../../generated/types.gen.js';

/** Things that happen to a user's data, as other parts (webhooks, realtime) need to hear of them. */
export type DomainEvent =
  | { type: 'message.created'; userId: string; chatId: string; message: Message }
  | { type: 'message.delta'; userId: string; chatId: string; messageId: string; delta: string }
  | { type: 'chat.updated'; userId: string; chatId: string; chat: Chat }
  | { type: 'chat.deleted'; userId: string; chatId: string }
  | {
      type: 'chat.completed';
      userId: string;
      chatId: string;
      messageId: string;
      model: string;
      status: 'complete' | 'incomplete' | 'error';
      usage: Usage;
    };

/**
 * Where the areas that change data report it. `record` runs inside the
 * transaction that stores the change (durable consumers such as the webhook
 * outbox write there); `publish` runs after the commit (live fan-out).
 */
export interface EventSink {
  record(tx: Kysely<Database>, event: DomainEvent): Promise<void>;
  publish(event: DomainEvent): void;
}

/** Until webhooks and realtime subscribe, events go nowhere. */
export const discardEvents: EventSink = {
  record: async () => {},
  publish: () => {},
};
