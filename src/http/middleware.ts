import { isUtf8 } from 'node:buffer';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ApiError } from './errors.js';
import { answerThrown, sendError } from './router.js';
import { beginRequest } from './request-log.js';

/** Gives each request an id, a logger, and one log line when it ends (see beginRequest). */
export function requestContext(log: Logger): RequestHandler {
  return (req, res, next) => {
    const scope = beginRequest(log, req, res, () => req.path);
    Object.defineProperty(res.locals, 'requestId', { value: scope.requestId, enumerable: true });
    Object.defineProperty(res.locals, 'log', { get: () => scope.log, enumerable: true });
    next();
  };
}

// Postgres text cannot hold U+0000; refuse it at the door rather than fail in SQL.
const ESCAPED_NUL = /(^|[^\\])(\\\\)*\\u0000/i;

/** No request T66 takes nests deeper; serialising much deeper values overflows the stack (in the provider SDKs, for one). */
export const MAX_JSON_DEPTH = 128;

/**
 * What is wrong with a JSON body's bytes before parsing, if anything: not
 * UTF-8, an escaped NUL, or arrays and objects nested deeper than MAX_JSON_DEPTH.
 */
export function jsonBytesProblem(buf: Buffer): ApiError | undefined {
  if (!isUtf8(buf)) return new ApiError(400, 'invalid_encoding', 'The request body is not valid UTF-8');
  if (buf.includes('u0000') && ESCAPED_NUL.test(buf.toString('utf8'))) {
    return new ApiError(400, 'invalid_request', 'Strings must not contain the NUL character (\\u0000)');
  }
  if (nestingDepth(buf) > MAX_JSON_DEPTH) {
    return new ApiError(400, 'invalid_request', `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, {
      max_depth: MAX_JSON_DEPTH,
    });
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of [ and { outside strings (the bytes need not be valid JSON). */
function nestingDepth(buf: Buffer): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const byte = buf[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > deepest) deepest = depth;
    } else if (byte === 0x5d || byte === 0x7d) depth--;
  }
  return deepest;
}

/**
 * A body that parsed to a bare string, number, boolean or null. Every JSON body
 * T66 takes is an object; openapi-backend would even parse a string body a
 * second time as JSON, so both paths refuse these up front, alike.
 */
export function primitiveBodyProblem(body: unknown): ApiError | undefined {
  if (typeof body === 'object' && body !== null) return undefined;
  return new ApiError(400, 'invalid_request', 'The request body must be a JSON object', { errors: [{ path: '/', message: 'must be object' }] });
}

function verifyJsonBytes(_req: Request, _res: unknown, buf: Buffer) {
  const problem = jsonBytesProblem(buf);
  if (problem) throw problem;
}

export function jsonBody(limit: number): RequestHandler[] {
  const parse = express.json({ limit, type: ['application/json', 'application/*+json'], verify: verifyJsonBytes, strict: false });
  // body-parser leaves req.body undefined when it did not read a body.
  const onlyObjects: RequestHandler = (req, _res, next) => next(req.body === undefined ? undefined : primitiveBodyProblem(req.body));
  return [parse, onlyObjects];
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** Errors from Express itself and body-parser, in the envelope. */
export const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  const e = err as BodyParserError;
  if (err instanceof ApiError) return sendError(res, err);
  switch (e.type) {
    case 'entity.parse.failed':
      return sendError(res, new ApiError(400, 'invalid_json', 'The request body is not valid JSON'));
    case 'entity.too.large':
      return sendError(res, new ApiError(413, 'payload_too_large', 'The request body is too large', { limit: e.limit }));
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return sendError(res, new ApiError(415, 'unsupported_media_type', 'Unsupported body encoding or charset'));
    case 'request.aborted':
      return;
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return sendError(res, new ApiError(e.status, 'invalid_request', 'The request could not be read'));
  }
  answerThrown(res, err);
};
