import type { AppContext } from '../../src/app-context.js';
import type { DomainEvent } from '../../src/events/types.js';
import { newId } from '../../src/db/ids.js';
import type { Message } from '../../generated/types.gen.js';

/**
 * Stores a chat message the way the records area does: the row and its event
 * in one transaction (`record`), then `publish` after the commit. Used where a
 * test needs many events quickly or needs to control the transaction.
 */
export async function storeMessage(
  app: Pick<AppContext, 'db' | 'events'>,
  userId: string,
  options: { chatId?: string; content?: string; rollback?: boolean } = {},
): Promise<{ chatId: string; message: Message }> {
  const now = new Date();
  const chatId = options.chatId ?? newId('chat');
  const message: Message = {
    id: newId('msg'),
    chat: chatId,
    content: options.content ?? 'Hello there',
    role: 'user',
    attachments: [],
    model: null,
    usage: null,
    status: null,
    created: now.toISOString(),
    updated: now.toISOString(),
  };
  const event: DomainEvent = { type: 'message.created', userId, chatId, message };
  const rolledBack = new Error('rolled back on purpose');
  try {
    await app.db.transaction().execute(async (tx) => {
      if (!options.chatId) {
        await tx
          .insertInto('chats')
          .values({ id: chatId, user_id: userId, title: 'Chat', settings: JSON.stringify({ model: 'gpt-4o-mini', temperature: 0.7, systemMessage: '' }), created: now, updated: now })
          .execute();
      }
      await tx
        .insertInto('messages')
        .values({ id: message.id, chat_id: chatId, user_id: userId, content: message.content, role: 'user', attachments: [], created: now, updated: now })
        .execute();
      await app.events.record(tx, event);
      if (options.rollback) throw rolledBack;
    });
  } catch (err) {
    if (err !== rolledBack) throw err;
    return { chatId, message };
  }
  app.events.publish(event);
  return { chatId, message };
}

/** Reports a finished completion as the completions area does (after storing the assistant message). */
export async function completeChat(app: Pick<AppContext, 'db' | 'events'>, userId: string, chatId: string): Promise<DomainEvent> {
  const event: DomainEvent = {
    type: 'chat.completed',
    userId,
    chatId,
    messageId: newId('msg'),
    model: 'gpt-4o-mini',
    status: 'complete',
    usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
  };
  await app.db.transaction().execute((tx) => app.events.record(tx, event));
  app.events.publish(event);
  return event;
}
