import type { Kysely } from 'kysely';

/**
 * Indexes for the records list API. 0001 already serves the default sort
 * (user_id, created, id) for chats and messages, and a chat's messages by
 * (chat_id, created, id). Chat lists are also commonly sorted by last
 * activity (`-updated`), which without this index sorts all of a user's chats.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('chats_user_updated').on('chats').columns(['user_id', 'updated', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('chats_user_updated').execute();
}
