import { beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { getUserSettings, listUserSettings, updateUserSettings } from '../../generated/sdk.gen.js';
import type { UserSettings } from '../../generated/types.gen.js';
import { getUserApiKeys } from '../../src/records/api-keys.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { apiClient, raw } from '../support/client.js';
import { createUser, type TestUser } from '../support/factories.js';

let server: TestServer;
let logs = '';

beforeAll(async () => {
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  server = await startTestServer({ logStream });
});

async function settingsOf(user: TestUser): Promise<UserSettings> {
  const { data } = await listUserSettings({ client: apiClient(server.api, user.token) });
  expect(data!.items).toHaveLength(1);
  return data!.items[0];
}

async function patch(user: TestUser, id: string, body: object) {
  return raw(server.api, 'PATCH', `/collections/user_settings/records/${id}`, { token: user.token, body: JSON.stringify(body) });
}

const storedKeys = async (userId: string) =>
  (await server.context.db.selectFrom('user_settings').select('api_keys').where('user_id', '=', userId).executeTakeFirstOrThrow())
    .api_keys;

describe('the settings record', () => {
  it('exists from registration, one per user, as the seed lists it', async () => {
    const user = await createUser(server.api);
    const { data } = await listUserSettings({
      client: apiClient(server.api, user.token),
      query: { filter: `(user='${user.user.id}')` },
    });
    expect(data).toMatchObject({ page: 1, totalItems: 1, totalPages: 1 });
    expect(data!.items[0]).toMatchObject({ user: user.user.id, theme: 'system', default_model: '', api_keys: {} });
    expect(data!.items[0].id).toMatch(/^set_/);
  });

  it('updates as in the seed example, answering masked keys', async () => {
    const user = await createUser(server.api);
    const settings = await settingsOf(user);
    const { data, response } = await updateUserSettings({
      client: apiClient(server.api, user.token),
      path: { id: settings.id },
      body: {
        theme: 'dark',
        default_model: 'gpt-4',
        api_keys: { openai: 'sk-proj-abcdefghijklmnop1234', anthropic: 'sk-ant-api03-zyxwvutsrq9876' },
      },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({
      theme: 'dark',
      default_model: 'gpt-4',
      api_keys: { openai: 'sk-…1234', anthropic: 'sk-…9876' },
    });
    const { data: viewed } = await getUserSettings({ client: apiClient(server.api, user.token), path: { id: settings.id } });
    expect(viewed).toEqual(data);
  });

  it('answers 409 already_exists to a second create, and 403 to deleting it', async () => {
    const user = await createUser(server.api);
    const settings = await settingsOf(user);
    const created = await raw(server.api, 'POST', '/collections/user_settings/records', {
      token: user.token,
      body: JSON.stringify({ theme: 'dark' }),
    });
    expect(created.status).toBe(409);
    expect(created.json.error.code).toBe('already_exists');
    const deleted = await raw(server.api, 'DELETE', `/collections/user_settings/records/${settings.id}`, { token: user.token });
    expect(deleted.status).toBe(403);
    expect(await settingsOf(user)).toEqual(settings);
  });

  it('creates the record when it is missing', async () => {
    const user = await createUser(server.api);
    await server.context.db.deleteFrom('user_settings').where('user_id', '=', user.user.id).execute();
    const res = await raw(server.api, 'POST', '/collections/user_settings/records', {
      token: user.token,
      body: JSON.stringify({ theme: 'light', api_keys: { openai: 'sk-created-in-post-0000' } }),
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ user: user.user.id, theme: 'light', api_keys: { openai: 'sk-…0000' } });
  });

  it('refuses a user other than the caller with 403', async () => {
    const user = await createUser(server.api);
    const settings = await settingsOf(user);
    const res = await patch(user, settings.id, { theme: 'dark', user: 'user_someoneelse0000' });
    expect(res.status).toBe(403);
    expect(await settingsOf(user)).toEqual(settings);
  });
});

describe('api_keys', () => {
  it('are stored encrypted with a random IV per value, never in clear', async () => {
    const user = await createUser(server.api);
    const settings = await settingsOf(user);
    const key = 'sk-secret-value-that-must-not-leak-42';
    await patch(user, settings.id, { api_keys: { openai: key, other: key } });
    const stored = await storedKeys(user.user.id);
    expect(Object.keys(stored).sort()).toEqual(['openai', 'other']);
    expect(JSON.stringify(stored)).not.toContain(key);
    expect(JSON.stringify(stored)).not.toContain('must-not-leak');
    expect(stored.openai).toMatch(/^v1:/);
    expect(stored.openai).not.toBe(stored.other);
    expect(server.context.encryptor.decrypt(stored.openai)).toBe(key);
    expect(logs).not.toContain('must-not-leak');
  });

  it('are never answered in clear; short keys are masked fully', async () => {
    const user = await createUser(server.api);
    const settings = await settingsOf(user);
    const res = await patch(user, settings.id, { api_keys: { openai: 'sk-abcdefghijklmnopqrstuvwxyz', groq: 'short-key' } });
    expect(res.json.api_keys).toEqual({ openai: 'sk-…wxyz', groq: '****' });
    expect(res.text).not.toContain('abcdefghijklmnop');
    const listed = await raw(server.api, 'GET', '/collections/user_settings/records', { token: user.token });
    expect(listed.text).not.toContain('abcdefghijklmnop');
    expect(listed.text).not.toContain('short-key');
  });

  it('merge provider by provider; null removes one key and leaves the others', async () => {
    const user = await createUser(server.api);
    const settings = await settingsOf(user);
    await patch(user, settings.id, { api_keys: { openai: 'sk-openai-first-key-1111', anthropic: 'sk-ant-first-key-2222' } });
    const replaced = await patch(user, settings.id, { api_keys: { openai: 'sk-openai-second-key-3333' } });
    expect(replaced.json.api_keys).toEqual({ openai: 'sk-…3333', anthropic: 'sk-…2222' });
    const removed = await patch(user, settings.id, { api_keys: { anthropic: null } });
    expect(removed.json.api_keys).toEqual({ openai: 'sk-…3333' });
    const untouched = await patch(user, settings.id, { theme: 'light' });
    expect(untouched.json.api_keys).toEqual({ openai: 'sk-…3333' });
    expect(await getUserApiKeys(server.context, user.user.id)).toEqual({ openai: 'sk-openai-second-key-3333' });
  });

  it('keep the stored key when a client sends back the masked form it read', async () => {
    const user = await createUser(server.api);
    const settings = await settingsOf(user);
    const first = await patch(user, settings.id, { api_keys: { openai: 'sk-the-real-key-5555' } });
    const roundTrip = await patch(user, settings.id, { theme: 'dark', api_keys: first.json.api_keys });
    expect(roundTrip.status).toBe(200);
    expect(await getUserApiKeys(server.context, user.user.id)).toEqual({ openai: 'sk-the-real-key-5555' });
  });

  it('refuse a provider name that is not a plain name, and change nothing', async () => {
    const user = await createUser(server.api);
    const settings = await settingsOf(user);
    await patch(user, settings.id, { api_keys: { openai: 'sk-kept-key-7777' } });
    const before = await storedKeys(user.user.id);
    const res = await patch(user, settings.id, { theme: 'dark', api_keys: { 'bad name!': 'x', openai: 'sk-new-8888' } });
    expect(res.status).toBe(400);
    expect(await storedKeys(user.user.id)).toEqual(before);
    expect((await settingsOf(user)).theme).toBe('system');
  });

  it('are readable in clear only through getUserApiKeys, for the completions helper', async () => {
    const user = await createUser(server.api);
    expect(await getUserApiKeys(server.context, user.user.id)).toEqual({});
    const settings = await settingsOf(user);
    await patch(user, settings.id, { api_keys: { openai: 'sk-byok-key-9999', mistral: 'mistral-key-abcdefgh' } });
    expect(await getUserApiKeys(server.context, user.user.id)).toEqual({ openai: 'sk-byok-key-9999', mistral: 'mistral-key-abcdefgh' });
    expect(await getUserApiKeys(server.context, 'user_nobody000000000')).toEqual({});
  });
});
