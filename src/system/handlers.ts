import type { Handlers } from '../http/handler-types.js';
import { ApiError } from '../http/errors.js';
import { pingDatabase } from '../db/database.js';

export const systemHandlers: Pick<Handlers, 'getHealth'> = {
  async getHealth(_input, { app }) {
    try {
      await pingDatabase(app.db);
    } catch {
      throw new ApiError(503, 'database_unavailable', 'The database is not reachable');
    }
    return {
      status: 200,
      body: { status: 'ok', version: app.version, database: app.dbKind, uptime: (Date.now() - app.startedAt) / 1000 },
    };
  },
};
