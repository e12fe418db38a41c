import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** True when the chat exists and belongs to the user (one indexed primary-key read, on join only). */
export async function ownsChat(db: Kysely<Database>, userId: string, chatId: string): Promise<boolean> {
  const row = await db.selectFrom('chats').select('id').where('id', '=', chatId).where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}
