import net from 'node:net';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser } from '../support/factories.js';
import { raw } from '../support/client.js';

// POST /api/chat/completions with a plain JSON body takes the fast path
// (src/completions/fast-path.ts); the same request with a gzip body goes
// through Express. Both must answer alike and count on one rate limit.
let server: TestServer;
const MAX_JSON = 4096;

beforeAll(async () => {
  server = await startTestServer({ env: { T66_MAX_JSON_BYTES: String(MAX_JSON), T66_RATE_LIMIT_COMPLETIONS: '5/1h' } });
});

const request = { model: 'local-dev', messages: [{ role: 'user', content: 'Say hello' }] };

function viaFastPath(token: string | undefined, body: string) {
  return raw(server.api, 'POST', '/chat/completions', { token, body });
}

function viaExpress(token: string | undefined, body: string) {
  return raw(server.api, 'POST', '/chat/completions', { token, body: gzipSync(body), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
}

/** Status and body, without what differs per request (ids, timestamps). */
function shape(res: Awaited<ReturnType<typeof raw>>) {
  const { id: _id, created: _created, ...rest } = (res.json ?? {}) as Record<string, unknown>;
  return { status: res.status, body: rest, type: res.headers.get('content-type'), etag: res.headers.get('etag') };
}

describe('the same request through the fast path and through Express', () => {
  it.each([
    ['a valid completion', JSON.stringify(request)],
    ['a body that is not JSON', '{"model": '],
    ['a body missing required fields', '{}'],
    ['a field of the wrong type', JSON.stringify({ ...request, temperature: 'hot' })],
    ['an unknown model', JSON.stringify({ ...request, model: 'no-such-model' })],
    ['an escaped NUL in a string', JSON.stringify({ ...request, messages: [{ role: 'user', content: 'a\u0000b' }] })],
    ['a JSON string holding the request', JSON.stringify(JSON.stringify(request))],
    ['a bare string', '"x"'],
    ['null', 'null'],
    ['a number', '42'],
    ['an array', '[]'],
    ['an unknown field nested 10,000 levels deep', JSON.stringify({ ...request, x: 0 }).replace('0}', `${'['.repeat(10_000)}${']'.repeat(10_000)}}`)],
  ])('answers %s identically', async (_name, body) => {
    const user = await createUser(server.api);
    const fast = await viaFastPath(user.token, body);
    const slow = await viaExpress(user.token, body);
    expect(fast.status).not.toBe(500);
    expect(shape(fast)).toEqual(shape(slow));
    if (fast.status === 200) expect(fast.headers.get('etag')).toBeNull();
  });

  it('refuses bodies that are not objects, and bodies nested too deeply, with 400 before anything else', async () => {
    const user = await createUser(server.api);
    const notObject = await viaFastPath(user.token, JSON.stringify(JSON.stringify(request)));
    expect(notObject.status).toBe(400);
    expect(notObject.json.error).toMatchObject({ code: 'invalid_request', details: { errors: [{ path: '/', message: 'must be object' }] } });
    const deep = await viaFastPath(undefined, `{"x":${'['.repeat(200)}${']'.repeat(200)}}`);
    expect(deep.status).toBe(400);
    expect(deep.json.error.details).toEqual({ max_depth: 128 });
    // Brackets inside strings are text, not nesting.
    const inString = await viaFastPath(user.token, JSON.stringify({ ...request, messages: [{ role: 'user', content: '['.repeat(500) }] }));
    expect(inString.status).toBe(200);
  });

  it.each([
    ['no token', undefined],
    ['a malformed token', 'not-a-jwt'],
  ])('answers 401 identically with %s', async (_name, token) => {
    const fast = await viaFastPath(token, JSON.stringify(request));
    const slow = await viaExpress(token, JSON.stringify(request));
    expect(fast.status).toBe(401);
    expect(shape(fast)).toEqual(shape(slow));
  });
});

describe('HTTP details on the fast path', () => {
  /** Sends one raw HTTP/1.1 request and collects everything until the server closes the socket (or `waitMs`). */
  function rawExchange(request: string, waitMs = 3000): Promise<{ text: string; closedByServer: boolean }> {
    const { port } = new URL(server.url);
    return new Promise((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(request));
      let text = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ text, closedByServer: false });
      }, waitMs);
      socket.on('data', (chunk) => (text += chunk.toString('utf8')));
      socket.on('end', () => {
        clearTimeout(timer);
        resolve({ text, closedByServer: true });
      });
    });
  }

  it('closes the connection after a streamed answer when the client asked for Connection: close', async () => {
    const user = await createUser(server.api);
    const body = JSON.stringify({ ...request, stream: true });
    const { text, closedByServer } = await rawExchange(
      `POST /api/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nAuthorization: Bearer ${user.token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toContain('data: [DONE]');
    expect(text.toLowerCase()).not.toContain('connection: keep-alive');
    expect(closedByServer).toBe(true);
  });

  it('answers a request with an Expect other than 100-continue as usual', async () => {
    const user = await createUser(server.api);
    const body = JSON.stringify(request);
    const { text } = await rawExchange(
      `POST /api/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: something-else\r\nContent-Type: application/json\r\nAuthorization: Bearer ${user.token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toContain('"object":"chat.completion"');
  });
});

describe('rate limits on the fast path', () => {
  it('does not count a request to a path that differs only in case (a 404)', async () => {
    const user = await createUser(server.api);
    const first = await viaFastPath(user.token, JSON.stringify(request));
    const wrongCase = await raw(server.api.replace('/api', '/API'), 'POST', '/CHAT/COMPLETIONS', { token: user.token, body: JSON.stringify(request) });
    expect(wrongCase.status).toBe(404);
    const second = await viaFastPath(user.token, JSON.stringify(request));
    expect(Number(first.headers.get('x-ratelimit-remaining')) - Number(second.headers.get('x-ratelimit-remaining'))).toBe(1);
  });

  it('counts requests of both paths on one counter, with the same headers, then refuses either way', async () => {
    const user = await createUser(server.api);
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await (i % 2 === 0 ? viaFastPath : viaExpress)(user.token, JSON.stringify(request));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('5');
      expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
      remaining.push(res.headers.get('x-ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    for (const send of [viaFastPath, viaExpress]) {
      const refused = await send(user.token, JSON.stringify(request));
      expect(refused.status).toBe(429);
      expect(refused.json.error.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});

describe('reading the body on the fast path', () => {
  it('refuses a declared length over the limit with 413 before reading it', async () => {
    const user = await createUser(server.api);
    const res = await viaFastPath(user.token, JSON.stringify({ ...request, padding: 'x'.repeat(MAX_JSON) }));
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: { code: 'payload_too_large', message: expect.any(String), details: { limit: MAX_JSON } } });
  });

  it('refuses a chunked body that grows past the limit with 413', async () => {
    const user = await createUser(server.api);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.api}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}`, 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write('x'.repeat(1024));
      req.end();
    });
    expect(status).toBe(413);
  });

  it('answers 400 to bytes that are not UTF-8', async () => {
    const user = await createUser(server.api);
    const body = Buffer.concat([Buffer.from('{"model":"local-dev","messages":[{"role":"user","content":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]);
    const res = await raw(server.api, 'POST', '/chat/completions', { token: user.token, body });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_encoding');
  });

  it('keeps serving after a client leaves halfway through its body', async () => {
    const user = await createUser(server.api);
    const { port } = new URL(server.url);
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /api/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${user.token}\r\nContent-Length: 500\r\n\r\n{"model":`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    const after = await viaFastPath(user.token, JSON.stringify(request));
    expect(after.status).toBe(200);
  });
});
