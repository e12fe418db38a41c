import type { AppContext } from '../app-context.js';
import { ApiError, notFound } from '../http/errors.js';
import { createMessage } from '../records/messages.js';
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
 * Stores the answer in the chat through the records area's message creation
 * (same lock, ordering and events), adding chat.completed to that transaction.
 * A chat deleted meanwhile just loses the answer.
 */
export async function storeAssistantAnswer(app: AppContext, answer: AssistantAnswer): Promise<Message | undefined> {
  const { userId, chatId, messageId, model, usage, status } = answer;
  try {
    return await createMessage(
      app,
      userId,
      { id: messageId, chat: chatId, content: answer.content, role: 'assistant', model, usage, status },
      () => [{ type: 'chat.completed', userId, chatId, messageId, model, status, usage }],
    );
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    app.log.warn({ chatId }, 'the chat was deleted before its answer could be stored');
    return undefined;
  }
}
