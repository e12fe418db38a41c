import { beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { raw } from '../support/client.js';

// Behind a trusted proxy on loopback, each test speaks from its own client IP (X-Forwarded-For), so buckets don't mix.
let server: TestServer;
let lastOctet = 0;
const freshIp = () => `203.0.113.${++lastOctet}`;

beforeAll(async () => {
  server = await startTestServer({
    env: {
      T66_TRUST_PROXY: 'loopback',
      T66_RATE_LIMIT_AUTH: '3/1m',
      T66_RATE_LIMIT_COMPLETIONS: '2/1h',
      T66_RATE_LIMIT_IMAGES: '2/1h',
      T66_RATE_LIMIT_UPLOADS: '2/1m',
    },
  });
});

function register(ip: string, email = `rl.${Math.random().toString(36).slice(2)}@example.com`) {
  return raw(server.api, 'POST', '/auth/register', {
    headers: { 'x-forwarded-for': ip },
    body: JSON.stringify({ email, password: 'correct horse battery' }),
  });
}

interface SignedUp {
  token: string;
  email: string;
  password: string;
}

/** A new user, registered from an IP of its own so that setup does not spend the buckets under test. */
async function signUp(): Promise<SignedUp> {
  const email = `rl.${Math.random().toString(36).slice(2)}@example.com`;
  const res = await register(freshIp(), email);
  expect(res.status).toBe(200);
  return { token: res.json.token, email, password: 'correct horse battery' };
}

function login(ip: string, email: string) {
  return raw(server.api, 'POST', '/auth/login', {
    headers: { 'x-forwarded-for': ip },
    body: JSON.stringify({ email, password: 'wrong password' }),
  });
}

function headerInt(headers: Headers, name: string): number {
  const value = headers.get(name);
  expect(value, name).toMatch(/^\d+$/);
  return Number(value);
}

function expectRefusal(res: Awaited<ReturnType<typeof raw>>, limit: number, windowSeconds: number) {
  expect(res.status).toBe(429);
  expect(res.json).toEqual({
    error: { code: 'rate_limited', message: expect.any(String), details: { limit, retry_after: expect.any(Number) } },
  });
  const retryAfter = headerInt(res.headers, 'retry-after');
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(res.json.error.details.retry_after).toBe(retryAfter);
  expect(headerInt(res.headers, 'x-ratelimit-remaining')).toBe(0);
}

describe('authentication, per client IP', () => {
  it('counts down in X-RateLimit-* headers (reset in Unix epoch seconds), then refuses with 429', async () => {
    const ip = freshIp();
    const before = Math.floor(Date.now() / 1000);
    for (const remaining of [2, 1, 0]) {
      const res = await register(ip);
      expect(res.status).toBe(200);
      expect(headerInt(res.headers, 'x-ratelimit-limit')).toBe(3);
      expect(headerInt(res.headers, 'x-ratelimit-remaining')).toBe(remaining);
      // The window opened with the first request (at or after `before`) and lasts 60 s.
      const reset = headerInt(res.headers, 'x-ratelimit-reset');
      expect(reset).toBeGreaterThanOrEqual(before + 59);
      expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
    }
    expectRefusal(await register(ip), 3, 60);
    // Another client is not affected.
    expect((await register(freshIp())).status).toBe(200);
  });

  it('shares one budget between register, login and refresh', async () => {
    const ip = freshIp();
    const user = await signUp();
    expect((await register(ip)).status).toBe(200);
    expect((await login(ip, user.email)).status).toBe(401);
    const refresh = await raw(server.api, 'POST', '/auth/refresh', { token: user.token, headers: { 'x-forwarded-for': ip } });
    expect(refresh.status).toBe(200);
    expectRefusal(await login(ip, user.email), 3, 60);
  });
});

describe('authentication, per email', () => {
  it('refuses a login for an email past its budget even from new IPs, whatever the case and spacing', async () => {
    const user = await signUp(); // registering spent one of the email's three
    for (const email of [user.email.toUpperCase(), `  ${user.email} `]) expect((await login(freshIp(), email)).status).toBe(401);
    expectRefusal(await login(freshIp(), user.email), 3, 60);
    // PocketBase's login names the email `identity`; it is the same budget.
    const pocketbase = await raw(server.api, 'POST', '/collections/users/auth-with-password', {
      headers: { 'x-forwarded-for': freshIp() },
      body: JSON.stringify({ identity: user.email, password: user.password }),
    });
    expectRefusal(pocketbase, 3, 60);
  });

  it('reports the counter closest to refusing', async () => {
    const user = await signUp();
    await login(freshIp(), user.email);
    // This IP has 2 requests left, the email none.
    const res = await login(freshIp(), user.email);
    expect(res.status).toBe(401);
    expect(headerInt(res.headers, 'x-ratelimit-remaining')).toBe(0);
  });
});

const perUser = [
  { name: 'chat completions', path: '/chat/completions', body: '{}', limit: 2, window: 3600 },
  { name: 'image generation', path: '/images/generate', body: '{}', limit: 2, window: 3600 },
  { name: 'file uploads', path: '/files/upload', body: undefined, limit: 2, window: 60 },
];

describe.each(perUser)('$name, per user', ({ path, body, limit, window }) => {
  let alice: SignedUp;
  let bob: SignedUp;
  beforeAll(async () => {
    alice = await signUp();
    bob = await signUp();
  });
  const call = (token: string | undefined, ip: string) => raw(server.api, 'POST', path, { token, body, headers: { 'x-forwarded-for': ip } });

  it('follows the user across IPs and leaves other users alone', async () => {
    const ip = freshIp();
    for (let i = 0; i < limit; i++) {
      const res = await call(alice.token, freshIp());
      expect(res.status).not.toBe(429);
      expect(headerInt(res.headers, 'x-ratelimit-limit')).toBe(limit);
      expect(headerInt(res.headers, 'x-ratelimit-remaining')).toBe(limit - i - 1);
    }
    expectRefusal(await call(alice.token, ip), limit, window);
    expect((await call(bob.token, ip)).status).not.toBe(429);
  });

  it('counts requests without a valid token by client IP', async () => {
    const ip = freshIp();
    for (let i = 0; i < limit; i++) expect((await call('not-a-token', ip)).status).toBe(401);
    expectRefusal(await call(undefined, ip), limit, window);
    expect((await call(undefined, freshIp())).status).toBe(401);
  });
});

describe('without a trusted proxy (the default)', () => {
  let direct: TestServer;
  beforeAll(async () => {
    direct = await startTestServer({ env: { T66_RATE_LIMIT_AUTH: '2/1m' } });
  });

  it('ignores X-Forwarded-For, so a client cannot pose as many', async () => {
    const attempt = (ip: string) =>
      raw(direct.api, 'POST', '/auth/login', { headers: { 'x-forwarded-for': ip }, body: JSON.stringify({ email: `${ip}@example.com`, password: 'whatever long' }) });
    expect((await attempt('198.51.100.1')).status).toBe(401);
    expect((await attempt('198.51.100.2')).status).toBe(401);
    expectRefusal(await attempt('198.51.100.3'), 2, 60);
  });
});

describe('logout and reads', () => {
  it('are not limited', async () => {
    const res = await raw(server.api, 'GET', '/health');
    expect(res.headers.get('x-ratelimit-limit')).toBeNull();
  });
});
