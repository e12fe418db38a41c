import type { AppContext } from '../app-context.js';
import { badRequest } from '../http/errors.js';
import { findOwnedFiles } from './queries.js';

/**
 * Throws a 400 naming the ids that are not files of `userId` (unknown,
 * malformed, or someone else's: the answer does not tell which). One query.
 */
export async function assertFilesOwned(app: AppContext, userId: string, fileIds: readonly string[]): Promise<void> {
  if (fileIds.length === 0) return;
  const wanted = [...new Set(fileIds)];
  const owned = new Set((await findOwnedFiles(app.db, userId, wanted)).map((row) => row.id));
  const bad = wanted.filter((id) => !owned.has(id));
  if (bad.length === 0) return;
  throw badRequest(`Unknown file id${bad.length > 1 ? 's' : ''} in attachments: ${bad.join(', ')}`, {
    invalid_ids: bad,
    errors: bad.map((id) => ({ path: '/attachments', message: `${id} is not one of your files` })),
  });
}
