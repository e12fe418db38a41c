import { sql } from 'kysely';
import type { AppContext } from '../app-context.js';
import type { DomainEvent } from '../events/types.js';
import { notFound } from '../http/errors.js';
import { chatMessageIds, toChat } from '../records/chats.js';
import { toMessage } from '../records/messages.js';
import type { Message, Usage } from '../../generated/types.gen.js';

export interface ChatDefaults {
  id: string;
  model: string;
  temperature: number | undefined;
  systemMessage: string;
}

/** The caller's chat and its settings; any other id, or someone else's chat, is 404. */
export async function loadOwnedChat(app: AppContext, userId: string, chatId: string): Promise<ChatDefaults> {
  const row = await app.db
    .selectFrom('chats')
    .select(['id', 'settings'])
    .where('id', '=', chatId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) throw notFound(`No chat ${chatId} among yours`);
  const settings = row.settings ?? {};
  return {
    id: row.id,
    model: typeof settings.model === 'string' ? settings.model : '',
    temperature: typeof settings.temperature === 'number' ? settings.temperature : undefined,
    systemMessage: typeof settings.systemMessage === 'string' ? settings.systemMessage : '',
  };
}

export interface AssistantAnswer {
  userId: string;
  chatId: string;
  messageId: string;
  content: string;
  model: string;
  usage: Usage;
  status: 'complete' | 'incomplete';
}

/**
 * Stores the answer in the chat and bumps the chat's `updated`, recording
 * message.created, chat.updated and chat.completed, all in one transaction;
 * the events go live after the commit. As the records area does, the chat row
 * is locked first so the chat's messages keep strictly increasing `created`
 * times. A chat deleted meanwhile just loses the answer.
 */
export async function storeAssistantAnswer(app: AppContext, answer: AssistantAnswer): Promise<Message | undefined> {
  const { userId, chatId } = answer;
  const now = new Date();
  const events: DomainEvent[] = [];
  const message = await app.db.transaction().execute(async (tx) => {
    const chat = await tx.selectFrom('chats').select('id').where('id', '=', chatId).where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (!chat) return undefined;
    const created = sql<Date>`GREATEST(${now.toISOString()}::timestamptz,
      (SELECT max(p.created) + interval '1 millisecond' FROM messages p WHERE p.chat_id = ${chatId}))`;
    const row = await tx
      .insertInto('messages')
      .values({
        id: answer.messageId,
        chat_id: chatId,
        user_id: userId,
        content: answer.content,
        role: 'assistant',
        attachments: [],
        model: answer.model,
        usage: JSON.stringify(answer.usage),
        status: answer.status,
        created,
        updated: created,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const chatRow = await tx
      .updateTable('chats')
      .set({ updated: row.created })
      .where('chats.id', '=', chatId)
      .returningAll()
      .returning(chatMessageIds.as('message_ids'))
      .executeTakeFirstOrThrow();
    const stored = toMessage(row);
    events.push(
      { type: 'message.created', userId, chatId, message: stored },
      { type: 'chat.updated', userId, chatId, chat: toChat(chatRow, chatRow.message_ids) },
      { type: 'chat.completed', userId, chatId, messageId: answer.messageId, model: answer.model, status: answer.status, usage: answer.usage },
    );
    for (const event of events) await app.events.record(tx, event);
    return stored;
  });
  if (!message) {
    app.log.warn({ chatId }, 'the chat was deleted before its answer could be stored');
    return undefined;
  }
  for (const event of events) app.events.publish(event);
  return message;
}
