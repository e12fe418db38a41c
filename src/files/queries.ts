import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, FilesTable } from '../db/schema.js';

export type FileRow = Selectable<FilesTable>;

export interface NewFile {
  id: string;
  user_id: string;
  filename: string;
  size: number;
  type: string;
  storage_key: string;
  sha256: string;
  created: Date;
}

export async function insertFile(db: Kysely<Database>, file: NewFile): Promise<FileRow> {
  return db.insertInto('files').values(file).returningAll().executeTakeFirstOrThrow();
}

export async function findOwnedFile(db: Kysely<Database>, userId: string, id: string): Promise<FileRow | undefined> {
  return db.selectFrom('files').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}

/** The caller's files among `ids` (in no particular order); others' and unknown ids are simply absent. */
export async function findOwnedFiles(db: Kysely<Database>, userId: string, ids: readonly string[]): Promise<FileRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('files').selectAll().where('user_id', '=', userId).where('id', 'in', [...ids]).execute();
}

/**
 * Deletes the caller's file row and strips its id from every message's
 * attachments, together. Answers the deleted row, or undefined when the
 * caller has no such file.
 */
export async function deleteOwnedFile(db: Kysely<Database>, userId: string, id: string): Promise<FileRow | undefined> {
  return db.transaction().execute(async (tx) => {
    const row = await tx.deleteFrom('files').where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst();
    if (!row) return undefined;
    await tx
      .updateTable('messages')
      .set({ attachments: sql<string[]>`array_remove(attachments, ${id})`, updated: new Date() })
      .where(sql<boolean>`attachments @> ARRAY[${id}]::text[]`)
      .execute();
    return row;
  });
}

export function fileSize(row: FileRow): number {
  return Number(row.size);
}
