import type { Request, Response, NextFunction, RequestHandler } from 'express';
import { OpenAPIBackend, type Context } from 'openapi-backend';
import addFormats from 'ajv-formats';
import type { Ajv, ErrorObject } from 'ajv';
import type { IncomingHttpHeaders } from 'node:http';
import type { AppContext } from '../app-context.js';
import type { AuthUser, Handlers, Reply, RequestScope, Streamed } from './handler-types.js';
import { ApiError, envelope } from './errors.js';
import { invalidRequest } from './validation.js';
import { answerThrown as answerThrownRaw, sendError } from './respond.js';
import { authenticate } from '../auth/authenticate.js';
import type { LoadedSpec } from './spec.js';

interface RequestState {
  requestId: string;
  log: RequestScope['log'];
}

export function requestState(res: Response): RequestState {
  return res.locals as RequestState;
}

/** Any thrown value becomes an envelope (see respond.ts), logged with the request's id. */
export function answerThrown(res: Response, err: unknown) {
  answerThrownRaw(res, err, requestState(res));
}

function contentTypeAllowed(ctx: Context, req: Request): boolean {
  const body = ctx.operation.requestBody as { content?: Record<string, unknown> } | undefined;
  if (!body?.content) return true;
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return true;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return Object.keys(body.content).some((allowed) => allowed === type);
}

export interface ApiRouter {
  handle: RequestHandler;
  /** The same request checks the router runs, for an operation without query or path parameters. */
  validateBody(operationId: keyof Handlers, headers: IncomingHttpHeaders, body: unknown): ErrorObject[];
}

export async function createRouter(app: AppContext, spec: LoadedSpec, handlers: Handlers): Promise<ApiRouter> {
  const api = new OpenAPIBackend({
    definition: spec.document,
    apiRoot: '/api',
    // The spec is linted by `npm run check`; quick mode skips re-checking it at every start and
    // compiles validators on demand, so response validators (never used here) cost nothing.
    quick: true,
    strict: true,
    validate: true,
    coerceTypes: true,
    ajvOpts: { allErrors: true, strict: false },
    customizeAjv: (ajv: Ajv) => {
      addFormats.default(ajv);
      return ajv;
    },
  });

  api.registerSecurityHandler('bearerAuth', (_c: Context, req: Request) => authenticate(app, req.headers.authorization));

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
      throw invalidRequest(c.validation.errors ?? []);
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
  api.validator.preCompileRequestValidators();

  const validateBody: ApiRouter['validateBody'] = (operationId, headers, body) => {
    const errors: ErrorObject[] = [];
    const parameters = { path: {}, query: {}, header: headers, cookie: {}, requestBody: body };
    for (const validate of api.validator.getRequestValidatorsForOperation(operationId) ?? []) {
      if (!validate(parameters) && validate.errors) errors.push(...validate.errors);
    }
    return errors;
  };

  const handle = (req: Request, res: Response, next: NextFunction) => {
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
  return { handle, validateBody };
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

export { envelope, sendError };

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
