import type { AppContext } from '../app-context.js';
import { badRequest } from '../http/errors.js';

/**
 * Throws a 400 unless every id is a file owned by `userId`. Until the files
 * area exists, every attachment is refused.
 */
export async function assertFilesOwned(_app: AppContext, _userId: string, fileIds: readonly string[]): Promise<void> {
  if (fileIds.length === 0) return;
  throw badRequest('Attachments are not supported yet: file uploads are not implemented in this build', {
    errors: [{ path: '/attachments', message: 'file uploads are not implemented yet' }],
  });
}
