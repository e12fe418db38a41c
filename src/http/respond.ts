import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ApiError } from './errors.js';

/**
 * Writing answers with node:http's own API, so the Express routes and the
 * completions fast path (src/completions/fast-path.ts) answer byte for byte alike.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) {
  const text = JSON.stringify(body);
  if (headers) for (const name in headers) res.setHeader(name, headers[name]);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** Writes an error envelope, or leaves a response whose headers already went out to end as it is. */
export function sendError(res: ServerResponse, err: ApiError) {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, err.status, err.toBody(), err.headers);
}

// PostgreSQL refusals that bad input can cause; the handler's checks should catch them first,
// and this is the safety net that keeps them from being 500s.
const DATABASE_INPUT_ERRORS: Record<string, ApiError> = {
  '23503': new ApiError(404, 'not_found', 'A record this request refers to does not exist'),
  '22021': new ApiError(400, 'invalid_encoding', 'The request holds bytes that are not valid UTF-8 text'),
  '22P05': new ApiError(400, 'invalid_encoding', 'The request holds characters that cannot be stored'),
};

/** Any thrown value becomes an envelope; unknown ones are logged and answered as 500 without details of the fault. */
export function answerThrown(res: ServerResponse, err: unknown, request: { requestId: string; log: Logger }) {
  if (err instanceof ApiError) return sendError(res, err);
  const known = DATABASE_INPUT_ERRORS[(err as { code?: string } | null)?.code ?? ''];
  if (known) return sendError(res, known);
  request.log.error({ err }, 'unhandled error');
  sendError(res, new ApiError(500, 'internal_error', 'An unexpected error occurred', { request_id: request.requestId }));
}
