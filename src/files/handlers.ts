import type { Handlers } from '../http/handler-types.js';
import type { AppContext } from '../app-context.js';
import type { AuthUser } from '../http/handler-types.js';
import { notFound, unauthorized } from '../http/errors.js';
import { newId } from '../db/ids.js';
import { deleteOwnedFile, findOwnedFile, type FileRow } from './queries.js';
import { recordStoredFile, storageKey } from './stored.js';
import { receiveUpload } from './upload.js';
import { sendStoredFile } from './download.js';
import { publicBase, toFileObject } from './urls.js';

type FileHandlers = Pick<Handlers, 'uploadFile' | 'getFile' | 'deleteFile' | 'downloadFile'>;

const FILE_ID = /^file_[a-z0-9]{16}$/;

function caller(auth: AuthUser | undefined): string {
  if (!auth) throw unauthorized();
  return auth.userId;
}

/** The caller's file; anyone else's, unknown and malformed ids alike answer 404. */
async function ownedFile(app: AppContext, userId: string, id: string): Promise<FileRow> {
  const row = FILE_ID.test(id) ? await findOwnedFile(app.db, userId, id) : undefined;
  if (!row) throw notFound('No such file');
  return row;
}

export const fileHandlers: FileHandlers = {
  async uploadFile(_input, { app, auth, req, res }) {
    const userId = caller(auth);
    const id = newId('file');
    const upload = await receiveUpload(app.files, storageKey(userId, id), req, res);
    const row = await recordStoredFile(app, { id, userId, ...upload });
    return { status: 200, body: toFileObject(row, publicBase(app, req)) };
  },

  async getFile({ path }, { app, auth, req }) {
    const row = await ownedFile(app, caller(auth), path.id);
    return { status: 200, body: toFileObject(row, publicBase(app, req)) };
  },

  async deleteFile({ path }, { app, auth, log }) {
    const userId = caller(auth);
    const row = FILE_ID.test(path.id) ? await deleteOwnedFile(app.db, userId, path.id) : undefined;
    if (!row) throw notFound('No such file');
    // After the commit: a failure here leaves unreferenced bytes, never a row pointing at nothing.
    await app.files.storage.remove(row.storage_key).catch((err: unknown) => {
      log.warn({ err, fileId: row.id }, 'could not remove a deleted file\'s bytes');
    });
    return { status: 204 };
  },

  async downloadFile({ path }, { app, auth, req, res }) {
    const row = await ownedFile(app, caller(auth), path.id);
    await sendStoredFile(app.files.storage, row, req, res);
    return { status: 'streamed' };
  },
};
