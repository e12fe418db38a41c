import { sql, type Kysely, type Selectable } from 'kysely';
import type { AppContext } from '../app-context.js';
import type { ChatsTable, Database } from '../db/schema.js';
import type { Chat, ChatCreate, ChatSettings, ChatUpdate } from '../../generated/types.gen.js';
import { newId } from '../db/ids.js';
import { forbidden, notFound } from '../http/errors.js';
import type { FieldSchema } from './filter/fields.js';
import { listEnvelope, pageAndTotal, type ListEnvelope, type ListPlan } from './list.js';

export type ChatRow = Selectable<ChatsTable>;
export type ChatRowWithMessages = ChatRow & { message_ids: string[] };

/** Settings of a chat created without them. An empty model means "the user's default_model". */
export const DEFAULT_CHAT_SETTINGS: ChatSettings = { model: '', temperature: 0.7, systemMessage: '' };

/** The ids of a chat's messages, oldest first, for any query whose scope has `chats`. */
export const chatMessageIds = sql<string[]>`COALESCE((SELECT array_agg(m.id ORDER BY m.created, m.id) FROM messages m WHERE m.chat_id = chats.id), '{}'::text[])`;

export const chatFields: FieldSchema = {
  id: { kind: 'scalar', type: 'text', sql: sql.ref('chats.id'), nullable: false, sortable: true },
  title: { kind: 'scalar', type: 'text', sql: sql.ref('chats.title'), nullable: false, sortable: true },
  user: { kind: 'scalar', type: 'text', sql: sql.ref('chats.user_id'), nullable: false, sortable: true },
  messages: {
    kind: 'multi',
    values: (alias) =>
      sql`unnest(COALESCE((SELECT array_agg(m.id) FROM messages m WHERE m.chat_id = chats.id), ARRAY[NULL]::text[])) AS ${sql.id(alias)}(x)`,
    length: sql`(SELECT count(*) FROM messages m WHERE m.chat_id = chats.id)::float8`,
  },
  'settings.model': { kind: 'scalar', type: 'text', sql: sql`(chats.settings->>'model')`, nullable: true, sortable: true },
  'settings.temperature': {
    kind: 'scalar',
    type: 'number',
    sql: sql`(CASE WHEN jsonb_typeof(chats.settings->'temperature') = 'number' THEN (chats.settings->>'temperature')::float8 END)`,
    nullable: true,
    sortable: true,
  },
  'settings.systemMessage': {
    kind: 'scalar',
    type: 'text',
    sql: sql`(chats.settings->>'systemMessage')`,
    nullable: true,
    sortable: true,
  },
  created: { kind: 'scalar', type: 'date', sql: sql.ref('chats.created'), nullable: false, sortable: true },
  updated: { kind: 'scalar', type: 'date', sql: sql.ref('chats.updated'), nullable: false, sortable: true },
};

export function toChat(row: ChatRow, messageIds: readonly string[]): Chat {
  const stored = (row.settings ?? {}) as Partial<ChatSettings>;
  return {
    id: row.id,
    title: row.title,
    user: row.user_id,
    messages: [...messageIds],
    settings: {
      model: typeof stored.model === 'string' ? stored.model : DEFAULT_CHAT_SETTINGS.model,
      temperature: typeof stored.temperature === 'number' ? stored.temperature : DEFAULT_CHAT_SETTINGS.temperature,
      systemMessage: typeof stored.systemMessage === 'string' ? stored.systemMessage : DEFAULT_CHAT_SETTINGS.systemMessage,
    },
    created: row.created.toISOString(),
    updated: row.updated.toISOString(),
  };
}

const withMessages = (row: ChatRowWithMessages) => toChat(row, row.message_ids);

/** The chat if it is `userId`'s, else undefined (whether it does not exist or is someone else's). */
export async function getOwnedChat(db: Kysely<Database>, userId: string, chatId: string): Promise<Chat | undefined> {
  const row = await db
    .selectFrom('chats')
    .selectAll('chats')
    .select(chatMessageIds.as('message_ids'))
    .where('chats.id', '=', chatId)
    .where('chats.user_id', '=', userId)
    .executeTakeFirst();
  return row && withMessages(row);
}

export async function listChats(db: Kysely<Database>, userId: string, plan: ListPlan): Promise<ListEnvelope<Chat>> {
  let scope = db.selectFrom('chats').where('chats.user_id', '=', userId);
  if (plan.where) scope = scope.where(plan.where);
  // The page is cut first and its message ids gathered after: PostgreSQL would otherwise
  // aggregate the messages of every row an OFFSET skips. The sort values ride along as
  // __oN columns so the outer query keeps the same order (even for @random).
  let page = scope
    .selectAll('chats')
    .select(plan.orderBy.map((term, i) => term.expr.as(`__o${i}`)))
    .limit(plan.perPage)
    .offset(plan.offset);
  for (const [i, term] of plan.orderBy.entries()) page = page.orderBy(sql.ref(`__o${i}`), term.direction);
  let items = db.selectFrom(page.as('chats')).selectAll('chats').select(chatMessageIds.as('message_ids'));
  for (const [i, term] of plan.orderBy.entries()) items = items.orderBy(sql.ref(`chats.__o${i}`), term.direction);
  const [rows, total] = await pageAndTotal(
    plan,
    () => items.execute(),
    () => scope.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  );
  return listEnvelope(plan, rows.map(withMessages), total);
}

/** `user` in a body may only name the caller: records cannot be given away. */
export function assertOwnUser(user: string | undefined, callerId: string) {
  if (user !== undefined && user !== callerId) throw forbidden('user can only be your own id');
}

export async function createChat(app: AppContext, userId: string, body: ChatCreate): Promise<Chat> {
  assertOwnUser(body.user, userId);
  const now = new Date();
  const settings = body.settings ?? {};
  // Without a model, the chat starts with the user's default model (empty when they have none).
  const settingsSql = sql<string>`jsonb_build_object(
    'model', COALESCE(${settings.model ?? null}::text, (SELECT s.default_model FROM user_settings s WHERE s.user_id = ${userId}), ''),
    'temperature', ${settings.temperature ?? DEFAULT_CHAT_SETTINGS.temperature}::float8,
    'systemMessage', ${settings.systemMessage ?? DEFAULT_CHAT_SETTINGS.systemMessage}::text)`;
  const row = await app.db
    .insertInto('chats')
    .values({ id: newId('chat'), user_id: userId, title: body.title ?? '', settings: settingsSql, created: now, updated: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toChat(row, []);
}

/** Applies a PATCH: `title` replaces, `settings` merges key by key. */
export async function updateChat(app: AppContext, userId: string, chatId: string, body: ChatUpdate): Promise<Chat> {
  assertOwnUser(body.user, userId);
  const chat = await app.db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('chats')
      .set({
        ...(body.title !== undefined ? { title: body.title } : {}),
        ...(body.settings ? { settings: sql<string>`chats.settings || ${JSON.stringify(body.settings)}::jsonb` } : {}),
        updated: new Date(),
      })
      .where('chats.id', '=', chatId)
      .where('chats.user_id', '=', userId)
      .returningAll()
      .returning(chatMessageIds.as('message_ids'))
      .executeTakeFirst();
    if (!row) throw notFound();
    const updated = withMessages(row);
    await app.events.record(tx, { type: 'chat.updated', userId, chatId, chat: updated });
    return updated;
  });
  app.events.publish({ type: 'chat.updated', userId, chatId, chat });
  return chat;
}

/** Deletes the chat and, by the foreign key's cascade in the same statement, all its messages. */
export async function deleteChat(app: AppContext, userId: string, chatId: string): Promise<void> {
  await app.db.transaction().execute(async (tx) => {
    const row = await tx
      .deleteFrom('chats')
      .where('chats.id', '=', chatId)
      .where('chats.user_id', '=', userId)
      .returning('id')
      .executeTakeFirst();
    if (!row) throw notFound();
    await app.events.record(tx, { type: 'chat.deleted', userId, chatId });
  });
  app.events.publish({ type: 'chat.deleted', userId, chatId });
}
