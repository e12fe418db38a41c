import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface RequestLog {
  requestId: string;
  log: Logger;
}

/**
 * Gives a request its id (kept from X-Request-Id when sane), echoes it, and
 * writes one log line when the response ends. The child logger is made only
 * when a handler asks for it: most requests log nothing but that line.
 */
export function beginRequest(log: Logger, req: IncomingMessage, res: ServerResponse, path: () => string): RequestLog {
  const inbound = req.headers['x-request-id'];
  const requestId = typeof inbound === 'string' && SAFE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
  res.setHeader('X-Request-Id', requestId);
  const started = performance.now();
  let child: Logger | undefined;
  const scope: RequestLog = {
    requestId,
    get log() {
      return (child ??= log.child({ requestId }));
    },
  };
  res.on('finish', () => {
    // Only the path: query strings can carry tokens (/ws?token=...).
    log.info({ requestId, method: req.method, path: path(), status: res.statusCode, ms: Math.round((performance.now() - started) * 1000) / 1000 }, 'request');
  });
  return scope;
}
