import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { answerClientError } from '../../src/http/client-errors.js';

/** What answerClientError writes for an error Node raised before any handler ran. */
function answerTo(code: string | undefined): Promise<string> {
  const socket = new PassThrough();
  let written = '';
  socket.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
  return new Promise((resolve) => {
    socket.on('end', () => resolve(written));
    answerClientError(Object.assign(new Error('refused'), code ? { code } : {}), socket);
  });
}

describe('requests Node refuses before routing', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_INVALID_METHOD', 400, 'bad_request'],
    [undefined, 400, 'bad_request'],
  ])('answers %s with %i and the error envelope', async (code, status, errorCode) => {
    const text = await answerTo(code);
    const [head, body] = text.split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head).toContain('Content-Type: application/json; charset=utf-8');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toEqual({ error: { code: errorCode, message: expect.any(String) } });
  });
});
