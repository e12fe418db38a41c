import type { Handlers } from '../http/handler-types.js';
import { searchWeb } from './service.js';

export const searchHandlers: Pick<Handlers, 'searchWeb'> = {
  async searchWeb({ body }, { app }) {
    return { status: 200, body: await searchWeb(app.search, body) };
  },
};
