import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    // Where the bytes live in the storage backend; never derived from the filename.
    .addColumn('storage_key', 'text', (c) => c.notNull())
    // Hex SHA-256 of the bytes, also the download's strong ETag.
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('files_user_created').on('files').columns(['user_id', 'created', 'id']).execute();
  // Deleting a file strips its id from every message's attachments; this keeps that from scanning all messages.
  await sql`CREATE INDEX messages_attachments ON messages USING gin (attachments)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS messages_attachments`.execute(db);
  await db.schema.dropTable('files').execute();
}
