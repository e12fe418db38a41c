import type { Handlers } from '../http/handler-types.js';
import { completeOnce } from './complete.js';
import { prepareCompletion } from './normalise.js';
import { streamCompletion } from './stream.js';
import { candidatesFor, needsUserKeys } from './upstream.js';

export const completionHandlers: Pick<Handlers, 'createChatCompletion'> = {
  createChatCompletion: async ({ body }, scope) => {
    const { app } = scope;
    const userId = scope.auth!.userId;
    const prepared = await prepareCompletion(app, userId, body);
    const { catalogue } = app.completions;
    const keys = needsUserKeys(catalogue, prepared.model) ? await app.completions.keys.get(userId) : {};
    const candidates = candidatesFor(catalogue, prepared.model, keys);
    if (prepared.stream) {
      await streamCompletion(scope, userId, prepared, candidates);
      return { status: 'streamed' };
    }
    return { status: 200, body: await completeOnce(scope, userId, prepared, candidates) };
  },
};
