/** client.auth against a running T66: the token is kept, sent, rotated, refreshed before expiry, and errors are typed. */
import net from 'node:net';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthenticationError, BadRequestError, ConflictError, ConnectionError, RateLimitError } from '../../sdk/js/src/index.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { sdkClient, signedUpClient, uniqueEmail } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('register, login and the kept token', () => {
  it('keeps the token from register and from login, and sends it on later calls', async () => {
    const { client, user, email, password } = await signedUpClient(server);
    expect(client.token).toMatch(/^ey/);
    const registeredToken = client.token;

    const other = sdkClient(server);
    const changes: (string | undefined)[] = [];
    const withCallback = sdkClient(server, { onTokenChange: (token) => changes.push(token) });
    const login = await withCallback.auth.login({ email, password });
    expect(login.user).toMatchObject({ id: user.id, email });
    expect(withCallback.token).toBe(login.token);
    expect(changes).toEqual([login.token]);
    expect(other.token).toBeUndefined();

    // The kept token authorises a secured call: refresh answers the same user.
    const refreshed = await client.auth.refresh();
    expect(refreshed.user.id).toBe(user.id);
    expect(client.token).toBe(refreshed.token);
    expect(client.token).not.toBe(registeredToken);
  });

  it('accepts the seed\'s apiKey (a T66 token) and an apiUrl that already ends in /api', async () => {
    const { client, user } = await signedUpClient(server);
    const viaApiKey = sdkClient(server, { apiUrl: `${server.url}/api`, apiKey: client.token });
    const { user: same } = await viaApiKey.auth.authRefresh().then((r) => ({ user: r.record }));
    expect(same.id).toBe(user.id);
  });

  it('logs in the PocketBase way too, keeping the token', async () => {
    const { email, password, user } = await signedUpClient(server);
    const client = sdkClient(server);
    const answer = await client.auth.authWithPassword({ identity: email, password });
    expect(answer.record.id).toBe(user.id);
    expect(client.token).toBe(answer.token);
  });
});

describe('rotation and logout', () => {
  it('refresh revokes the old token: a client still holding it gets AuthenticationError', async () => {
    const { client } = await signedUpClient(server);
    const stale = sdkClient(server, { token: client.token });
    await client.auth.refresh();
    const error = await stale.auth.refresh().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'token_revoked' });
  });

  it('logout revokes the token on the server and forgets it on the client', async () => {
    const { client } = await signedUpClient(server);
    const token = client.token;
    await client.auth.logout();
    expect(client.token).toBeUndefined();
    const error = await sdkClient(server, { token }).auth.refresh().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: 'token_revoked' });
  });
});

describe('refreshing before expiry', () => {
  it('rotates a token it got itself once it is within the refresh window, before the next call', async () => {
    const { client, user } = await signedUpClient(server);
    const before = client.token;
    // 23h59m30s later the 24h token has 30 s left, inside the 60 s window (Date only; timers stay real).
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + (24 * 3600 - 30) * 1000 });
    const listed = await client.webhooks.list();
    expect(listed.data).toEqual([]);
    expect(client.token).not.toBe(before);
    expect((await client.auth.refresh()).user.id).toBe(user.id);
    const error = await sdkClient(server, { token: before }).auth.refresh().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
  });

  it('leaves a token it was given alone unless autoRefresh is set', async () => {
    const { client } = await signedUpClient(server);
    const given = sdkClient(server, { token: client.token });
    const opted = sdkClient(server, { token: client.token, autoRefresh: true });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + (24 * 3600 - 30) * 1000 });
    await given.webhooks.list().catch(() => undefined);
    expect(given.token).toBe(client.token);
    await opted.webhooks.list().catch(() => undefined);
    expect(opted.token).not.toBe(client.token);
  });
});

describe('typed errors from the server', () => {
  it('answers BadRequestError with the server\'s details, ConflictError for a taken email, AuthenticationError for a wrong password', async () => {
    const client = sdkClient(server);
    const short = await client.auth.register({ email: uniqueEmail(), password: 'short' }).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(BadRequestError);
    expect(short).toMatchObject({ status: 400, code: 'invalid_request' });
    expect((short as BadRequestError).details).toBeTypeOf('object');
    expect((short as BadRequestError).requestId).toBeTruthy();

    const { email } = await signedUpClient(server);
    await expect(client.auth.register({ email, password: 'long enough password' })).rejects.toMatchObject({
      constructor: ConflictError,
      code: 'email_taken',
    });
    await expect(client.auth.login({ email, password: 'wrong password' })).rejects.toBeInstanceOf(AuthenticationError);
    expect(client.token).toBeUndefined();
  });

  it('answers ConnectionError when nothing listens at apiUrl', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const client = sdkClient(server, { apiUrl: `http://127.0.0.1:${port}` });
    const error = await client.health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ status: 0, code: 'connection_error' });
  });
});

describe('rate limits', () => {
  it('answers RateLimitError with retryAfter once the auth limit is reached', async () => {
    const limited = await startTestServer({ env: { T66_RATE_LIMIT_AUTH: '2/1m' } });
    const client = sdkClient(limited);
    const attempt = () => client.auth.login({ email: 'nobody@example.com', password: 'whatever it is' }).catch((e: unknown) => e);
    const errors = [await attempt(), await attempt(), await attempt()];
    expect(errors[0]).toBeInstanceOf(AuthenticationError);
    const refused = errors[2] as RateLimitError;
    expect(refused).toBeInstanceOf(RateLimitError);
    expect(refused).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(refused.retryAfter).toBeGreaterThan(0);
    expect(refused.retryAfter).toBeLessThanOrEqual(60);
  });
});
