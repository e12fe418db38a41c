import type { AppContext } from '../app-context.js';
import { insertFile, type FileRow } from './queries.js';

/** Where a file's bytes live: derived from ids only, never from the client's filename. */
export function storageKey(userId: string, fileId: string): string {
  return `${userId}/${fileId}`;
}

/** Stores bytes already in storage as the user's file; if the row cannot be written, the bytes go too. */
export async function recordStoredFile(
  app: AppContext,
  file: { id: string; userId: string; key: string; filename: string; size: number; type: string; sha256: string },
): Promise<FileRow> {
  try {
    return await insertFile(app.db, {
      id: file.id,
      user_id: file.userId,
      filename: file.filename,
      size: file.size,
      type: file.type,
      storage_key: file.key,
      sha256: file.sha256,
      created: new Date(),
    });
  } catch (err) {
    await app.files.storage.remove(file.key).catch(() => {});
    throw err;
  }
}
