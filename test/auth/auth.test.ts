import { describe, expect, it, beforeAll } from 'vitest';
import { PassThrough } from 'node:stream';
import { SignJWT, UnsecuredJWT } from 'jose';
import PocketBase from 'pocketbase';
import { loginUser, refreshToken, logoutUser, registerUser } from '../../generated/sdk.gen.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { apiClient, raw } from '../support/client.js';
import { createUser } from '../support/factories.js';

const JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
const key = new TextEncoder().encode(JWT_SECRET);

let server: TestServer;
let logs = '';

beforeAll(async () => {
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  server = await startTestServer({ env: { JWT_SECRET, T66_MAX_JSON_BYTES: '65536' }, logStream });
});

/** Whether a token is accepted, tested on an endpoint that needs one. */
async function refreshWith(authorization: string | undefined) {
  return raw(server.api, 'POST', '/auth/refresh', { headers: authorization ? { authorization } : {} });
}

describe('registration', () => {
  it('answers the user and a token, and normalises the email', async () => {
    const { data, response } = await registerUser({
      client: apiClient(server.api),
      body: { email: '  Mixed.Case@Example.COM ', password: 'long enough', name: 'Jane' },
    });
    expect(response.status).toBe(200);
    expect(data!.user).toMatchObject({ email: 'mixed.case@example.com', name: 'Jane', verified: false });
    expect(data!.user.id).toMatch(/^user_[a-z0-9]{16}$/);
    expect(data!.token.split('.')).toHaveLength(3);
  });

  it('creates the user settings record in the same step', async () => {
    const { user } = await createUser(server.api);
    const settings = await server.context.db.selectFrom('user_settings').selectAll().where('user_id', '=', user.id).execute();
    expect(settings).toHaveLength(1);
    expect(settings[0].theme).toBe('system');
  });

  it('stores only an argon2id hash, never the password', async () => {
    const { user, password } = await createUser(server.api, { password: 'a very particular password' });
    const row = await server.context.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(password);
    expect(logs).not.toContain(password);
  });

  it('refuses a duplicate email, whatever its case', async () => {
    const first = await createUser(server.api);
    const res = await raw(server.api, 'POST', '/auth/register', {
      body: JSON.stringify({ email: first.email.toUpperCase(), password: 'another password' }),
    });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('email_taken');
  });

  it.each([
    ['a short password', { email: 'short@example.com', password: 'seven77' }, '/password'],
    ['a malformed email', { email: 'not-an-email', password: 'long enough' }, '/email'],
    ['an unknown field', { email: 'x@example.com', password: 'long enough', admin: true }, '/admin'],
    ['a wrong type', { email: 'x@example.com', password: 12345678 }, '/password'],
  ])('answers 400 for %s, naming the field', async (_name, body, field) => {
    const res = await raw(server.api, 'POST', '/auth/register', { body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.details.errors.map((e: { path: string }) => e.path)).toContain(field);
  });

  it('lists missing fields in details.missing_fields', async () => {
    const res = await raw(server.api, 'POST', '/auth/register', { body: '{}' });
    expect(res.status).toBe(400);
    expect(res.json.error.details.missing_fields.sort()).toEqual(['email', 'password']);
  });
});

describe('login', () => {
  it('answers the same shape as registration', async () => {
    const u = await createUser(server.api);
    const { data, response } = await loginUser({ client: apiClient(server.api), body: { email: u.email, password: u.password } });
    expect(response.status).toBe(200);
    expect(data!.user).toEqual(u.user);
    expect((await refreshWith(`Bearer ${data!.token}`)).status).toBe(200);
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    const u = await createUser(server.api);
    const wrong = await raw(server.api, 'POST', '/auth/login', { body: JSON.stringify({ email: u.email, password: 'wrong password' }) });
    const unknown = await raw(server.api, 'POST', '/auth/login', { body: JSON.stringify({ email: 'nobody@example.com', password: 'whatever1' }) });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json).toEqual(unknown.json);
  });
});

describe('tokens', () => {
  let token: string;
  let userId: string;
  beforeAll(async () => {
    const u = await createUser(server.api);
    token = u.token;
    userId = u.user.id;
  });

  it('accepts a bare token as PocketBase clients send it', async () => {
    const u = await createUser(server.api);
    expect((await refreshWith(u.token)).status).toBe(200);
  });

  const forged: [string, () => Promise<string>][] = [
    ['a tampered payload', async () => {
      const [h, , s] = token.split('.');
      const payload = Buffer.from(JSON.stringify({ sub: 'user_someoneelse00000', jti: 'x', iss: 't66', iat: 1, exp: 4102444800 })).toString('base64url');
      return `${h}.${payload}.${s}`;
    }],
    ['a tampered signature', async () => token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA')],
    ['an expired token', async () =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setJti('expired-1').setIssuer('t66')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(key)],
    ['alg none', async () => new UnsecuredJWT({ jti: 'none-1', iss: 't66' }).setSubject(userId).setIssuedAt().setExpirationTime('1h').encode()],
    ['another secret', async () =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setJti('other-1').setIssuer('t66')
        .setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode('some-other-secret-of-decent-length-000000'))],
    ['HS512 with the right secret', async () =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject(userId).setJti('hs512-1').setIssuer('t66')
        .setIssuedAt().setExpirationTime('1h').sign(key)],
    ['no expiry', async () =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setJti('noexp-1').setIssuer('t66').setIssuedAt().sign(key)],
    ['garbage', async () => 'not.a.jwt'],
  ];

  it.each(forged)('refuses %s with 401', async (_name, make) => {
    const res = await refreshWith(`Bearer ${await make()}`);
    expect(res.status).toBe(401);
    expect(res.json.error.code).toMatch(/^(invalid_token|unauthorized)$/);
  });

  it('refuses a request without a token', async () => {
    const res = await refreshWith(undefined);
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('unauthorized');
  });

  it('accepts a token signed with the configured secret', async () => {
    const good = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setJti('good-1')
      .setIssuer('t66').setIssuedAt().setExpirationTime('1h').sign(key);
    expect((await refreshWith(`Bearer ${good}`)).status).toBe(200);
  });
});

describe('logout and refresh', () => {
  it('logout revokes the token', async () => {
    const u = await createUser(server.api);
    const { response } = await logoutUser({ client: apiClient(server.api, u.token) });
    expect(response.status).toBe(204);
    const after = await refreshWith(`Bearer ${u.token}`);
    expect(after.status).toBe(401);
    expect(after.json.error.code).toBe('token_revoked');
  });

  it('refresh answers a new token and retires the old one', async () => {
    const u = await createUser(server.api);
    const { data } = await refreshToken({ client: apiClient(server.api, u.token) });
    expect(data!.token).not.toBe(u.token);
    expect(data!.user.id).toBe(u.user.id);
    expect((await refreshWith(`Bearer ${u.token}`)).status).toBe(401);
    expect((await refreshWith(`Bearer ${data!.token}`)).status).toBe(200);
  });
});

describe('PocketBase SDK', () => {
  it('authWithPassword and authRefresh work unchanged', async () => {
    const u = await createUser(server.api);
    const pb = new PocketBase(server.url);
    pb.autoCancellation(false);
    const auth = await pb.collection('users').authWithPassword(u.email, u.password);
    expect(auth.record.id).toBe(u.user.id);
    expect(pb.authStore.isValid).toBe(true);
    const first = pb.authStore.token;
    const refreshed = await pb.collection('users').authRefresh();
    expect(refreshed.token).not.toBe(first);
    expect((await refreshWith(first)).status).toBe(401);
  });

  it('a wrong password surfaces as a ClientResponseError with status 401', async () => {
    const u = await createUser(server.api);
    const pb = new PocketBase(server.url);
    await expect(pb.collection('users').authWithPassword(u.email, 'nope nope')).rejects.toMatchObject({ status: 401 });
  });
});

describe('errors from every layer use the envelope', () => {
  it.each([
    ['an unknown API route', 'GET', '/no/such/thing', undefined, {}, 404, 'not_found'],
    ['a wrong method', 'DELETE', '/auth/login', undefined, {}, 405, 'method_not_allowed'],
    ['malformed JSON', 'POST', '/auth/login', '{"email":', {}, 400, 'invalid_json'],
    ['a form body', 'POST', '/auth/login', 'email=a', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
    ['a body over the limit', 'POST', '/auth/login', JSON.stringify({ email: 'x'.repeat(70_000) }), {}, 413, 'payload_too_large'],
    ['invalid UTF-8', 'POST', '/auth/login', Buffer.from([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), {}, 400, 'invalid_encoding'],
    ['a NUL character', 'POST', '/auth/register', '{"email":"a\\u0000@example.com","password":"long enough"}', {}, 400, 'invalid_request'],
    ['a JSON array', 'POST', '/auth/login', '[]', {}, 400, 'invalid_request'],
  ] as const)('%s', async (_name, method, path, body, headers, status, code) => {
    const res = await raw(server.api, method, path, { body: body as string | Uint8Array | undefined, headers });
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(code);
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('a request line over Node\'s header limit still answers the envelope', async () => {
    const res = await raw(server.api, 'GET', `/no-such-route?pad=${'a'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    expect(res.json.error.code).toBe('headers_too_large');
  });

  it.each([
    ['a malformed percent-escape in an id', '/collections/chats/records/%ZZ'],
    ['a truncated UTF-8 escape in an id', '/collections/messages/records/%E0%A4%A'],
    ['an encoded NUL in an id', '/collections/chats/records/chat_%00'],
    ['an encoded NUL in a webhook id', '/webhooks/wh_%00/deliveries'],
  ])('%s answers 400, not a 500', async (_name, path) => {
    const u = await createUser(server.api);
    const res = await raw(server.api, 'GET', path, { token: u.token });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_encoding');
  });

  it('405 names the allowed methods', async () => {
    const res = await raw(server.api, 'GET', '/auth/register');
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('every response carries a request id, kept from the caller when sane', async () => {
    const own = await raw(server.api, 'GET', '/health', { headers: { 'x-request-id': 'abc-123' } });
    expect(own.headers.get('x-request-id')).toBe('abc-123');
    const bad = await raw(server.api, 'GET', '/health', { headers: { 'x-request-id': 'has spaces<>' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('service endpoints', () => {
  it('health reports the database', async () => {
    const res = await raw(server.api, 'GET', '/health');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'ok', database: server.db });
  });

  it('serves the spec and Swagger UI', async () => {
    const yaml = await fetch(`${server.api}/openapi.yaml`);
    expect(yaml.status).toBe(200);
    expect(await yaml.text()).toContain('operationId: registerUser');
    const json = await (await fetch(`${server.api}/openapi.json`)).json();
    expect(json.paths['/auth/register']).toBeDefined();
    const docs = await fetch(`${server.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  });
});
