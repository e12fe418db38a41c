import type { Request, Response, NextFunction, RequestHandler } from 'express';
import { OpenAPIBackend, type Context } from 'openapi-backend';
import addFormats from 'ajv-formats';
import type { Ajv } from 'ajv';
import type { AppContext } from '../app-context.js';
import type { AuthUser, Handlers, Reply, RequestScope, Streamed } from './handler-types.js';
import { ApiError, envelope } from './errors.js';
import { validationDetails } from './validation.js';
import type { LoadedSpec } from './spec.js';
import { tokenFromHeader } from '../auth/tokens.js';

interface RequestState {
  requestId: string;
  log: RequestScope['log'];
}

export function requestState(res: Response): RequestState {
  return res.locals as RequestState;
}

/** Writes an error envelope, or leaves a response whose headers already went out to end as it is. */
export function sendError(res: Response, err: ApiError) {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (err.headers) res.set(err.headers);
  res.status(err.status).json(err.toBody());
}

/** Any thrown value becomes an envelope; unknown ones are logged and answered as 500 without details of the fault. */
// PostgreSQL refusals that bad input can cause; the handler's checks should catch them first,
// and this is the safety net that keeps them from being 500s.
const DATABASE_INPUT_ERRORS: Record<string, ApiError> = {
  '23503': new ApiError(404, 'not_found', 'A record this request refers to does not exist'),
  '22021': new ApiError(400, 'invalid_encoding', 'The request holds bytes that are not valid UTF-8 text'),
  '22P05': new ApiError(400, 'invalid_encoding', 'The request holds characters that cannot be stored'),
};

export function answerThrown(res: Response, err: unknown) {
  if (err instanceof ApiError) return sendError(res, err);
  const known = DATABASE_INPUT_ERRORS[(err as { code?: string } | null)?.code ?? ''];
  if (known) return sendError(res, known);
  const { log, requestId } = requestState(res);
  log.error({ err }, 'unhandled error');
  sendError(res, new ApiError(500, 'internal_error', 'An unexpected error occurred', { request_id: requestId }));
}

function contentTypeAllowed(ctx: Context, req: Request): boolean {
  const body = ctx.operation.requestBody as { content?: Record<string, unknown> } | undefined;
  if (!body?.content) return true;
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return true;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return Object.keys(body.content).some((allowed) => allowed === type);
}

async function authenticate(app: AppContext, req: Request): Promise<AuthUser> {
  const token = tokenFromHeader(req.headers.authorization);
  if (!token) throw new ApiError(401, 'unauthorized', 'A valid access token is required');
  let claims;
  try {
    claims = await app.tokens.verify(token);
  } catch {
    throw new ApiError(401, 'invalid_token', 'The access token is invalid or expired');
  }
  if (app.revocations.isRevoked(claims.jti)) throw new ApiError(401, 'token_revoked', 'The access token has been revoked');
  return claims;
}

export async function createRouter(app: AppContext, spec: LoadedSpec, handlers: Handlers): Promise<RequestHandler> {
  const api = new OpenAPIBackend({
    definition: spec.document,
    apiRoot: '/api',
    strict: true,
    validate: true,
    coerceTypes: true,
    ajvOpts: { allErrors: true, strict: false },
    customizeAjv: (ajv: Ajv) => {
      addFormats.default(ajv);
      return ajv;
    },
  });

  api.registerSecurityHandler('bearerAuth', (_c: Context, req: Request) => authenticate(app, req));

  api.register({
    notFound: () => {
      throw new ApiError(404, 'not_found', 'No such API route');
    },
    methodNotAllowed: (c: Context) => {
      const allowed = allowedMethods(api, c.request.path);
      throw new ApiError(405, 'method_not_allowed', `Method ${c.request.method.toUpperCase()} is not allowed here`, { allowed }, {
        Allow: allowed.join(', '),
      });
    },
    unauthorizedHandler: (c: Context) => {
      const result = c.security?.bearerAuth as { error?: unknown } | undefined;
      if (result?.error instanceof ApiError) throw result.error;
      throw new ApiError(401, 'unauthorized', 'A valid access token is required');
    },
    postSecurityHandler: (c: Context, req: Request) => {
      if (!contentTypeAllowed(c, req)) {
        const accepted = Object.keys((c.operation.requestBody as { content: object }).content);
        throw new ApiError(415, 'unsupported_media_type', `Content-Type must be ${accepted.join(' or ')}`, { accepted });
      }
    },
    validationFail: (c: Context) => {
      const details = validationDetails(c.validation.errors ?? []);
      const message = details.missing_fields
        ? 'The request is missing required parameters'
        : `The request is invalid: ${details.errors.map((e) => `${e.path} ${e.message}`).slice(0, 3).join('; ')}`;
      throw new ApiError(400, 'invalid_request', message, details);
    },
  });

  for (const [operationId, handler] of Object.entries(handlers) as [keyof Handlers, Handlers[keyof Handlers]][]) {
    api.register(operationId, async (c: Context, req: Request, res: Response) => {
      const { requestId, log } = requestState(res);
      const auth = c.security?.bearerAuth as AuthUser | undefined;
      const scope: RequestScope = { app, req, res, requestId, log, auth: auth && 'jti' in auth ? auth : undefined };
      const input = { body: c.request.requestBody, path: c.request.params, query: c.request.query };
      const reply = await (handler as (i: typeof input, s: RequestScope) => Promise<Reply<Record<number, unknown>> | Streamed>)(
        input,
        scope,
      );
      writeReply(res, reply);
    });
  }

  await api.init();
  // openapi-backend rebuilds its flat list of operations (lodash, one object per
  // operation) several times per request. The document never changes after
  // init, so build the list once: it was ~10% of a completion's CPU.
  const operations = api.router.getOperations();
  api.router.getOperations = () => operations;

  return (req: Request, res: Response, next: NextFunction) => {
    const pathProblem = req.path.includes('%') ? malformedPath(req.path) : undefined;
    if (pathProblem) return sendError(res, pathProblem);
    api
      .handleRequest(
        { method: req.method, path: req.path, query: req.query as Record<string, string | string[]>, body: req.body, headers: req.headers as Record<string, string | string[]> },
        req,
        res,
      )
      .catch((err: unknown) => answerThrown(res, err))
      .catch(next);
  };
}

function writeReply(res: Response, reply: Reply<Record<number, unknown>> | Streamed) {
  if (reply.status === 'streamed') return;
  if (reply.headers) res.set(reply.headers);
  res.status(reply.status);
  if ('body' in reply) res.json(reply.body);
  else res.end();
}

function allowedMethods(api: OpenAPIBackend, path: string): string[] {
  return api.router
    .getOperations()
    .filter((op) => api.router.matchOperation({ method: op.method, path, headers: {} }, false)?.operationId === op.operationId)
    .map((op) => op.method.toUpperCase());
}

export { envelope };

/** Percent-escapes the router would choke on, and NUL characters no id can contain, answer 400 up front. */
function malformedPath(path: string): ApiError | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return new ApiError(400, 'invalid_encoding', 'The URL path holds a malformed percent-escape');
  }
  if (decoded.includes('\u0000')) return new ApiError(400, 'invalid_encoding', 'The URL path holds a NUL character');
  return undefined;
}
