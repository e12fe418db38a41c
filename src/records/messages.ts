import { sql, type Kysely, type Selectable } from 'kysely';
import type { AppContext } from '../app-context.js';
import type { Database, MessagesTable } from '../db/schema.js';
import type { Chat, Message, MessageCreate, MessageRole, MessageUpdate, Usage } from '../../generated/types.gen.js';
import { newId } from '../db/ids.js';
import { notFound } from '../http/errors.js';
import { assertFilesOwned } from '../files/ownership.js';
import type { DomainEvent } from '../events/types.js';
import type { FieldSchema, ScalarField } from './filter/fields.js';
import { listEnvelope, pageAndTotal, type ListEnvelope, type ListPlan } from './list.js';
import { chatMessageIds, toChat } from './chats.js';

export type MessageRow = Selectable<MessagesTable>;

const usageField = (key: keyof Usage & string): ScalarField => ({
  kind: 'scalar',
  type: 'number',
  sql: sql`(CASE WHEN jsonb_typeof(messages.usage->${sql.lit(key)}) = 'number' THEN (messages.usage->>${sql.lit(key)})::float8 END)`,
  nullable: true,
  sortable: true,
});

export const messageFields: FieldSchema = {
  id: { kind: 'scalar', type: 'text', sql: sql.ref('messages.id'), nullable: false, sortable: true },
  chat: { kind: 'scalar', type: 'text', sql: sql.ref('messages.chat_id'), nullable: false, sortable: true },
  content: { kind: 'scalar', type: 'text', sql: sql.ref('messages.content'), nullable: false, sortable: true },
  role: { kind: 'scalar', type: 'text', sql: sql.ref('messages.role'), nullable: false, sortable: true },
  attachments: {
    kind: 'multi',
    values: (alias) =>
      sql`unnest(COALESCE(NULLIF(messages.attachments, '{}'::text[]), ARRAY[NULL]::text[])) AS ${sql.id(alias)}(x)`,
    length: sql`cardinality(messages.attachments)::float8`,
  },
  model: { kind: 'scalar', type: 'text', sql: sql.ref('messages.model'), nullable: true, sortable: true },
  status: { kind: 'scalar', type: 'text', sql: sql.ref('messages.status'), nullable: true, sortable: true },
  'usage.prompt_tokens': usageField('prompt_tokens'),
  'usage.completion_tokens': usageField('completion_tokens'),
  'usage.total_tokens': usageField('total_tokens'),
  created: { kind: 'scalar', type: 'date', sql: sql.ref('messages.created'), nullable: false, sortable: true },
  updated: { kind: 'scalar', type: 'date', sql: sql.ref('messages.updated'), nullable: false, sortable: true },
};

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    chat: row.chat_id,
    content: row.content,
    role: row.role as MessageRole,
    attachments: row.attachments ?? [],
    model: row.model,
    status: (row.status as Message['status']) ?? null,
    created: row.created.toISOString(),
    updated: row.updated.toISOString(),
    // Left out rather than null: the spec's nullable-plus-$ref cannot express null in OpenAPI 3.0.
    ...(row.usage ? { usage: row.usage as Usage } : {}),
  };
}

export async function getOwnedMessage(db: Kysely<Database>, userId: string, messageId: string): Promise<Message | undefined> {
  const row = await db
    .selectFrom('messages')
    .selectAll()
    .where('messages.id', '=', messageId)
    .where('messages.user_id', '=', userId)
    .executeTakeFirst();
  return row && toMessage(row);
}

export async function listMessages(db: Kysely<Database>, userId: string, plan: ListPlan): Promise<ListEnvelope<Message>> {
  let scope = db.selectFrom('messages').where('messages.user_id', '=', userId);
  if (plan.where) scope = scope.where(plan.where);
  let items = scope.selectAll('messages').limit(plan.perPage).offset(plan.offset);
  for (const term of plan.orderBy) items = items.orderBy(term.expr, term.direction);
  const [rows, total] = await pageAndTotal(
    plan,
    () => items.execute(),
    () => scope.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  );
  return listEnvelope(plan, rows.map(toMessage), total);
}

/** Fields of a message beyond what a client may send: completions store the model, usage and status. */
export interface NewMessage extends MessageCreate {
  /** Set when the id was handed out before the message is stored (streamed answers). */
  id?: string;
  model?: string | null;
  usage?: Usage | null;
  status?: 'complete' | 'incomplete' | null;
}

/** Marks the chat as changed and answers it with its message ids, inside `tx`. */
async function touchChat(tx: Kysely<Database>, chatId: string, updated: Date): Promise<Chat> {
  const row = await tx
    .updateTable('chats')
    .set({ updated })
    .where('chats.id', '=', chatId)
    .returningAll()
    .returning(chatMessageIds.as('message_ids'))
    .executeTakeFirstOrThrow();
  return toChat(row, row.message_ids);
}

/**
 * Adds a message to one of the caller's chats. A chat that is not theirs
 * answers 404. The message and the chat's `updated` change in one transaction;
 * the chat row is locked first, so messages of one chat get strictly
 * increasing `created` times and `messages` keeps their order.
 */
export async function createMessage(
  app: AppContext,
  userId: string,
  input: NewMessage,
  /** More events to record in the same transaction, after message.created and chat.updated. */
  alsoRecord: (stored: Message) => DomainEvent[] = () => [],
): Promise<Message> {
  const attachments = input.attachments ?? [];
  await assertFilesOwned(app, userId, attachments);
  const now = new Date();
  const events: DomainEvent[] = [];
  const message = await app.db.transaction().execute(async (tx) => {
    const chat = await tx
      .selectFrom('chats')
      .select('id')
      .where('id', '=', input.chat)
      .where('user_id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    if (!chat) throw notFound('The chat was not found');
    const created = sql<Date>`GREATEST(${now.toISOString()}::timestamptz,
      (SELECT max(p.created) + interval '1 millisecond' FROM messages p WHERE p.chat_id = ${input.chat}))`;
    const row = await tx
      .insertInto('messages')
      .values({
        id: input.id ?? newId('msg'),
        chat_id: input.chat,
        user_id: userId,
        content: input.content,
        role: input.role ?? 'user',
        attachments,
        model: input.model ?? null,
        usage: input.usage ? JSON.stringify(input.usage) : null,
        status: input.status ?? null,
        created,
        updated: created,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const stored = toMessage(row);
    const updatedChat = await touchChat(tx, input.chat, row.created);
    events.push(
      { type: 'message.created', userId, chatId: input.chat, message: stored },
      { type: 'chat.updated', userId, chatId: input.chat, chat: updatedChat },
      ...alsoRecord(stored),
    );
    for (const event of events) await app.events.record(tx, event);
    return stored;
  });
  for (const event of events) app.events.publish(event);
  return message;
}

export async function updateMessage(app: AppContext, userId: string, messageId: string, body: MessageUpdate): Promise<Message> {
  if (body.attachments) await assertFilesOwned(app, userId, body.attachments);
  const row = await app.db
    .updateTable('messages')
    .set({
      ...(body.content !== undefined ? { content: body.content } : {}),
      ...(body.attachments !== undefined ? { attachments: body.attachments } : {}),
      updated: new Date(),
    })
    .where('messages.id', '=', messageId)
    .where('messages.user_id', '=', userId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw notFound();
  return toMessage(row);
}

/** Deletes the message; its chat's `messages` and `updated` change in the same transaction. */
export async function deleteMessage(app: AppContext, userId: string, messageId: string): Promise<void> {
  const chat = await app.db.transaction().execute(async (tx) => {
    const row = await tx
      .deleteFrom('messages')
      .where('messages.id', '=', messageId)
      .where('messages.user_id', '=', userId)
      .returning('chat_id')
      .executeTakeFirst();
    if (!row) throw notFound();
    const updated = await touchChat(tx, row.chat_id, new Date());
    await app.events.record(tx, { type: 'chat.updated', userId, chatId: row.chat_id, chat: updated });
    return updated;
  });
  app.events.publish({ type: 'chat.updated', userId, chatId: chat.id, chat });
}
