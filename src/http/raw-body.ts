import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.js';
import { jsonBytesProblem, primitiveBodyProblem } from './middleware.js';

/** The client went away before its body arrived: there is no one to answer. */
export class BodyAborted extends Error {}

const PLAIN_JSON = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * Whether a request's body can be read by `readJsonBody` with exactly the
 * outcome Express's JSON parser would give: JSON in UTF-8, neither compressed
 * nor of unknown length. Anything else goes the Express way.
 */
export function plainJsonBody(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  const encoding = req.headers['content-encoding'];
  return (
    type !== undefined &&
    PLAIN_JSON.test(type) &&
    (encoding === undefined || encoding.toLowerCase() === 'identity') &&
    (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined)
  );
}

/**
 * Reads and parses a JSON body with the same limits and answers as the
 * Express routes (src/http/middleware.ts): 413 past `limit`, 400 for bytes that
 * are not UTF-8, hold an escaped NUL or nest too deep, 400 invalid_json, 400 for a
 * body that is not an object; an empty body is `{}`.
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const tooLarge = () => new ApiError(413, 'payload_too_large', 'The request body is too large', { limit });
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fail: unknown, value?: unknown) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      if (fail) reject(fail);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.resume();
        settle(tooLarge());
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      const problem = jsonBytesProblem(bytes);
      if (problem) return settle(problem);
      if (bytes.length === 0) return settle(undefined, {});
      let text = bytes.toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return settle(new ApiError(400, 'invalid_json', 'The request body is not valid JSON'));
      }
      settle(primitiveBodyProblem(body), body);
    });
    req.once('error', () => {
      if (!settled) settle(new BodyAborted());
    });
    req.once('close', () => {
      if (!settled) settle(new BodyAborted());
    });
  });
}
