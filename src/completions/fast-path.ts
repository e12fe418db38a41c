import type { IncomingMessage, ServerResponse } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { AppContext } from '../app-context.js';
import { authenticate } from '../auth/authenticate.js';
import { ApiError } from '../http/errors.js';
import type { AuthUser } from '../http/handler-types.js';
import { BodyAborted, plainJsonBody, readJsonBody } from '../http/raw-body.js';
import { beginRequest } from '../http/request-log.js';
import { answerThrown, sendError, sendJson } from '../http/respond.js';
import type { ApiRouter } from '../http/router.js';
import { invalidRequest } from '../http/validation.js';
import { applyCount, ipKey, type DirectCounter } from '../ratelimit/limiters.js';
import type { ChatCompletionRequest } from '../../generated/types.gen.js';
import { createCompletion } from './handlers.js';

export interface FastPathParts {
  app: AppContext;
  validateBody: ApiRouter['validateBody'];
  counter: DirectCounter | undefined;
  /** Express's compiled `trust proxy` setting, so client addresses are the ones req.ip would give. */
  trustProxy: (address: string, hop: number) => boolean;
}

const PATH = '/api/chat/completions';

/**
 * POST /api/chat/completions on node:http directly. Completions are the
 * gateway's hot path, and Express's layers, body parser and limiter wrapper
 * cost several times the completion's own work (see bench/README.md). The
 * steps and answers are those of the Express route, in the same order, from
 * the same functions: body (413/400), rate limit (429, counted on the same
 * store), token (401), the spec's request schema (400), then the handler.
 * Requests it cannot answer identically (a query string, a compressed or
 * non-JSON body) return false and go to Express.
 */
export function completionsFastPath(parts: FastPathParts): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { app } = parts;
  return (req, res) => {
    if (req.method !== 'POST' || req.url !== PATH || !plainJsonBody(req)) return false;
    const request = beginRequest(app.log, req, res, () => PATH);
    answer(parts, req, res, request.requestId, () => request.log).catch((err: unknown) => {
      if (err instanceof BodyAborted) return void res.destroy();
      answerThrown(res, err, request);
    });
    return true;
  };
}

async function answer(parts: FastPathParts, req: IncomingMessage, res: ServerResponse, requestId: string, log: () => AppContext['log']) {
  const { app, counter } = parts;
  const body = await readJsonBody(req, app.config.maxJsonBytes);
  const auth = await authenticate(app, req.headers.authorization).catch((err: unknown) => {
    if (err instanceof ApiError) return err;
    throw err;
  });
  if (counter) {
    const key = auth instanceof ApiError ? ipKey(proxyaddr(req, parts.trustProxy)) : `user:${auth.userId}`;
    const info = await counter.hit(key);
    const refused = info && applyCount(res, counter, info);
    if (refused) return sendError(res, refused);
  }
  if (auth instanceof ApiError) throw auth;
  const errors = parts.validateBody('createChatCompletion', req.headers, body);
  if (errors.length > 0) throw invalidRequest(errors);
  const user: AuthUser = auth;
  const completion = await createCompletion(body as ChatCompletionRequest, {
    app,
    res,
    requestId,
    get log() {
      return log();
    },
    userId: user.userId,
  });
  if (completion) sendJson(res, 200, completion);
}
