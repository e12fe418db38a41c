import type { ServerResponse } from 'node:http';
import type { Handlers, RequestScope } from '../http/handler-types.js';
import type { ChatCompletion, ChatCompletionRequest } from '../../generated/types.gen.js';
import { completeOnce } from './complete.js';
import { prepareCompletion } from './normalise.js';
import { streamCompletion } from './stream.js';
import { candidatesFor, needsUserKeys } from './upstream.js';

/**
 * What a completion needs of its request: node's response (SSE is written to
 * it directly), not Express's, so the fast path can run it too.
 */
export type CompletionScope = Pick<RequestScope, 'app' | 'requestId' | 'log'> & { res: ServerResponse; userId: string };

/** One chat completion: the JSON answer, or undefined when it was streamed to `scope.res`. */
export async function createCompletion(body: ChatCompletionRequest, scope: CompletionScope): Promise<ChatCompletion | undefined> {
  const { app, userId } = scope;
  const prepared = await prepareCompletion(app, userId, body);
  const { catalogue } = app.completions;
  const keys = needsUserKeys(catalogue, prepared.model) ? await app.completions.keys.get(userId) : {};
  const candidates = candidatesFor(catalogue, prepared.model, keys);
  if (prepared.stream) {
    await streamCompletion(scope, prepared, candidates);
    return undefined;
  }
  return completeOnce(scope, prepared, candidates);
}

export const completionHandlers: Pick<Handlers, 'createChatCompletion'> = {
  createChatCompletion: async ({ body }, scope) => {
    const answer = await createCompletion(body, { ...scope, userId: scope.auth!.userId });
    return answer ? { status: 200, body: answer } : { status: 'streamed' };
  },
};
