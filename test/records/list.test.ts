import { beforeAll, describe, expect, it } from 'vitest';
import { listChats, listMessages } from '../../generated/sdk.gen.js';
import type { Chat } from '../../generated/types.gen.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { apiClient, raw } from '../support/client.js';
import { createTestChat, createUser, type TestUser } from '../support/factories.js';

let server: TestServer;
let user: TestUser;
let chats: Chat[] = [];

beforeAll(async () => {
  server = await startTestServer();
  user = await createUser(server.api);
  // 35 chats: titles repeat (t0..t4) so sorts must break ties; temperatures vary.
  for (let i = 0; i < 35; i++) {
    chats.push(await createTestChat(server.api, user.token, { title: `t${i % 5}`, settings: { temperature: (i % 3) / 2 } }));
  }
  chats = chats.reverse(); // newest first, as the default sort answers
});

const get = (query: string) => raw(server.api, 'GET', `/collections/chats/records?${query}`, { token: user.token });
const idsOf = (items: { id: string }[]) => items.map((c) => c.id);

describe('pagination', () => {
  it('answers the envelope with defaults page 1, perPage 30, newest first', async () => {
    const { data } = await listChats({ client: apiClient(server.api, user.token) });
    expect(data).toMatchObject({ page: 1, perPage: 30, totalItems: 35, totalPages: 2 });
    expect(idsOf(data!.items)).toEqual(idsOf(chats.slice(0, 30)));
  });

  it('answers the rest on page 2 and an empty page past the end', async () => {
    const { data: second } = await listChats({ client: apiClient(server.api, user.token), query: { page: 2 } });
    expect(idsOf(second!.items)).toEqual(idsOf(chats.slice(30)));
    const { data: third } = await listChats({ client: apiClient(server.api, user.token), query: { page: 3 } });
    expect(third).toMatchObject({ page: 3, totalItems: 35, totalPages: 2, items: [] });
    const far = await get('page=99999999999');
    expect(far.status).toBe(200);
    expect(far.json.items).toEqual([]);
  });

  it.each([
    ['page=0', 1],
    ['page=-3', 1],
  ])('treats %s as page 1', async (query, page) => {
    const res = await get(query);
    expect(res.status).toBe(200);
    expect(res.json.page).toBe(page);
    expect(idsOf(res.json.items)).toEqual(idsOf(chats.slice(0, 30)));
  });

  it.each([
    ['perPage=500', 100],
    ['perPage=101', 100],
    ['perPage=0', 30],
    ['perPage=-1', 30],
    ['perPage=7', 7],
  ])('clamps %s to perPage %i', async (query, perPage) => {
    const res = await get(query);
    expect(res.status).toBe(200);
    expect(res.json.perPage).toBe(perPage);
    expect(res.json.items).toHaveLength(Math.min(perPage, 35));
    expect(res.json.totalPages).toBe(Math.ceil(35 / perPage));
  });

  it.each(['page=abc', 'perPage=ten', 'page=1.5', 'perPage=', 'skipTotal=maybe', 'unknown=1'])(
    'answers 400 for %s',
    async (query) => {
      const res = await get(query);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
    },
  );

  it.each(['skipTotal=true', 'skipTotal=1'])('skips the totals with %s (both -1)', async (query) => {
    const res = await get(`${query}&perPage=10`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ page: 1, perPage: 10, totalItems: -1, totalPages: -1 });
    expect(res.json.items).toHaveLength(10);
  });

  it('counts with skipTotal=false', async () => {
    const { data } = await listChats({ client: apiClient(server.api, user.token), query: { skipTotal: false, perPage: 1 } });
    expect(data).toMatchObject({ totalItems: 35, totalPages: 35 });
  });

  it('pages through everything exactly once', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 4; page++) {
      const { data } = await listChats({ client: apiClient(server.api, user.token), query: { page, perPage: 10, sort: 'title' } });
      seen.push(...idsOf(data!.items));
    }
    expect(seen).toHaveLength(35);
    expect(new Set(seen).size).toBe(35);
  });
});

describe('sort', () => {
  const byTitleThenId = (dir: 1 | -1) =>
    [...chats].sort((a, b) => (a.title === b.title ? (a.id < b.id ? -dir : dir) : a.title < b.title ? -dir : dir));

  it.each([
    ['title', 1],
    ['+title', 1],
    ['-title', -1],
    [' -title ', -1],
  ] as const)('sorts by %s with ties broken on id', async (sort, dir) => {
    const { data } = await listChats({ client: apiClient(server.api, user.token), query: { sort, perPage: 100 } });
    expect(idsOf(data!.items)).toEqual(idsOf(byTitleThenId(dir)));
  });

  it('sorts by several fields, including a settings path', async () => {
    const { data } = await listChats({
      client: apiClient(server.api, user.token),
      query: { sort: '-settings.temperature,title,created', perPage: 100 },
    });
    const items = data!.items;
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1], items[i]];
      expect(a.settings.temperature).toBeGreaterThanOrEqual(b.settings.temperature);
      if (a.settings.temperature === b.settings.temperature) expect(a.title <= b.title).toBe(true);
    }
  });

  it('sorts by created ascending (oldest first)', async () => {
    const { data } = await listChats({ client: apiClient(server.api, user.token), query: { sort: 'created', perPage: 100 } });
    expect(idsOf(data!.items)).toEqual(idsOf([...chats].reverse()));
  });

  it('accepts @random', async () => {
    const { data } = await listChats({ client: apiClient(server.api, user.token), query: { sort: '@random', perPage: 100 } });
    expect(idsOf(data!.items).sort()).toEqual(idsOf(chats).sort());
  });

  it.each([
    ['an unknown field', 'colour', 0],
    ['an empty entry', 'title,,created', 6],
    ['a trailing comma', 'title,', 6],
    ['only a minus', '-', 0],
    ['a list field', 'messages', 0],
    ['the settings object', 'settings', 0],
    ['too many fields', 'id,id,id,id,id,id,id,id,id', 0],
  ])('answers 400 invalid_sort for %s', async (_name, sort, position) => {
    const res = await get(`sort=${encodeURIComponent(sort)}`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_sort');
    expect(res.json.error.details).toMatchObject({ parameter: 'sort', position });
  });

  it('takes an empty sort as the default, as PocketBase does', async () => {
    const res = await get('sort=');
    expect(res.status).toBe(200);
    expect(idsOf(res.json.items)).toEqual(idsOf(chats.slice(0, 30)));
  });

  it('applies to messages with their own fields', async () => {
    const ok = await listMessages({ client: apiClient(server.api, user.token), query: { sort: '-role,created' } });
    expect(ok.response.status).toBe(200);
    const bad = await listMessages({ client: apiClient(server.api, user.token), query: { sort: 'title' } });
    expect(bad.response.status).toBe(400);
  });
});
