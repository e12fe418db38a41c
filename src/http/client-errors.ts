import type { Duplex } from 'node:stream';

const ANSWERS: Record<string, { status: number; reason: string; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', code: 'headers_too_large', message: 'The request line or headers are too large' },
  // headersTimeout / requestTimeout: the client was too slow sending its request.
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', code: 'request_timeout', message: 'The request did not arrive in time' },
};
const MALFORMED = { status: 400, reason: 'Bad Request', code: 'bad_request', message: 'The request is not valid HTTP' };

/**
 * Requests Node refuses before any handler sees them (headers or URL too
 * large, malformed HTTP, too slow) still get the JSON envelope instead of a
 * bare status line.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex) {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const answer = ANSWERS[err.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify({ error: { code: answer.code, message: answer.message } });
  socket.end(
    `HTTP/1.1 ${answer.status} ${answer.reason}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
