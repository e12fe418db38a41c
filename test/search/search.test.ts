import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { searchWeb } from '../../generated/sdk.gen.js';
import type { WebSearchRequest } from '../../generated/types.gen.js';
import { apiClient, raw } from '../support/client.js';
import { createUser, type TestUser } from '../support/factories.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { BRAVE_KEY, startFakeSearch, TAVILY_KEY, type FakeSearch } from '../support/fakes/fake-search.js';

let fake: FakeSearch;
const servers: Record<'none' | 'searxng' | 'brave' | 'tavily', TestServer> = {} as never;
const tokens = new Map<TestServer, TestUser>();

beforeAll(async () => {
  fake = await startFakeSearch();
  const timeout = { T66_SEARCH_TIMEOUT_MS: '400' };
  [servers.none, servers.searxng, servers.brave, servers.tavily] = await Promise.all([
    startTestServer(),
    startTestServer({ env: { ...timeout, SEARXNG_URL: fake.searxngUrl } }),
    startTestServer({ env: { ...timeout, BRAVE_API_KEY: BRAVE_KEY, BRAVE_BASE_URL: fake.braveBaseUrl } }),
    startTestServer({ env: { ...timeout, TAVILY_API_KEY: TAVILY_KEY, TAVILY_BASE_URL: fake.tavilyBaseUrl } }),
  ]);
  for (const server of Object.values(servers)) tokens.set(server, await createUser(server.api));
}, 180_000); // several servers: slow on a loaded machine

afterAll(() => fake.close());
beforeEach(() => {
  fake.mode = 'ok';
  fake.requests.length = 0;
});

function search(server: TestServer, body: WebSearchRequest) {
  return searchWeb({ client: apiClient(server.api, tokens.get(server)!.token), body });
}

describe('SearXNG', () => {
  it('maps its JSON results, cut to num_results, dropping non-web URLs', async () => {
    const { data, response } = await search(servers.searxng, { query: 'ai news', num_results: 3 });
    expect(response.status).toBe(200);
    expect(data!.query).toBe('ai news');
    expect(data!.results).toHaveLength(3);
    expect(data!.results[0]).toEqual({
      title: 'Result 0 about ai news',
      url: 'https://news0.example.com/articles/0?q=ai%20news',
      snippet: 'Snippet 0 & more about ai news',
      source: 'news0.example.com',
      published: '2025-01-02',
    });
    expect(data!.results[1].published).toBeNull();
    expect(data!.images).toBeUndefined();
    expect(typeof data!.search_time).toBe('number');
    const sent = fake.requests[0];
    expect(sent.path).toBe('/searxng/search');
    expect(Object.fromEntries(sent.query)).toEqual({ q: 'ai news', format: 'json' });
  });

  it('answers 10 results by default, and never a javascript: URL', async () => {
    const { data } = await search(servers.searxng, { query: 'q' });
    expect(data!.results).toHaveLength(10);
    const all = await search(servers.searxng, { query: 'q', num_results: 20 });
    expect(all.data!.results).toHaveLength(20);
    expect(all.data!.results.every((r) => r.url.startsWith('https://'))).toBe(true);
  });

  it('adds images from its images category when asked', async () => {
    const { data } = await search(servers.searxng, { query: 'cats', include_images: true, num_results: 2 });
    expect(data!.images).toEqual([
      { url: 'https://img.example.com/0.jpg', title: 'Picture 0', thumbnail: 'https://img.example.com/0-thumb.jpg', source: 'https://news0.example.com/articles/0?q=cats' },
      { url: 'https://img.example.com/1.jpg', title: 'Picture 1', thumbnail: 'https://img.example.com/1-thumb.jpg', source: 'https://news1.example.com/articles/1?q=cats' },
    ]);
    expect(fake.requests.map((r) => r.query.get('categories'))).toContain('images');
  });
});

describe('Brave Search', () => {
  it('sends the key and count, and maps site names, dates and plain-text snippets', async () => {
    const { data } = await search(servers.brave, { query: 'ai news', num_results: 4 });
    expect(data!.results).toHaveLength(4);
    expect(data!.results[0]).toEqual({
      title: 'Result 0 about ai news',
      url: 'https://news0.example.com/articles/0?q=ai%20news',
      snippet: 'Snippet 0 & more about ai news',
      source: 'News 0',
      published: '2025-01-01',
    });
    const sent = fake.requests[0];
    expect(sent.path).toBe('/res/v1/web/search');
    expect(sent.headers['x-subscription-token']).toBe(BRAVE_KEY);
    expect(Object.fromEntries(sent.query)).toEqual({ q: 'ai news', count: '4' });
  });

  it('adds images from its image search when asked', async () => {
    const { data } = await search(servers.brave, { query: 'cats', include_images: true, num_results: 1 });
    expect(data!.images).toEqual([
      { url: 'https://img.example.com/0.jpg', title: 'Picture 0', thumbnail: 'https://imgs.search.brave.com/0.jpg', source: 'https://news0.example.com/articles/0?q=cats' },
    ]);
  });

  it('answers no results when Brave leaves out the web section', async () => {
    fake.mode = 'none';
    const { data, response } = await search(servers.brave, { query: 'nothing at all' });
    expect(response.status).toBe(200);
    expect(data!.results).toEqual([]);
  });
});

describe('Tavily', () => {
  it('posts the query with a bearer key and maps the results and images', async () => {
    const { data } = await search(servers.tavily, { query: 'ai news', num_results: 2, include_images: true });
    expect(data!.results).toEqual([
      {
        title: 'Result 0 about ai news',
        url: 'https://news0.example.com/articles/0?q=ai%20news',
        snippet: 'Snippet 0 & more about ai news',
        source: 'news0.example.com',
        published: '2025-01-02',
      },
      expect.objectContaining({ url: 'https://news1.example.com/articles/1?q=ai%20news', published: null }),
    ]);
    expect(data!.images).toEqual([{ url: 'https://img.example.com/0.jpg' }, { url: 'https://img.example.com/1.jpg' }]);
    const sent = fake.requests[0];
    expect(sent.headers.authorization).toBe(`Bearer ${TAVILY_KEY}`);
    expect(JSON.parse(sent.body)).toMatchObject({ query: 'ai news', max_results: 2, include_images: true });
  });
});

describe('failures', () => {
  it('answers 503 search_unavailable when no provider is configured', async () => {
    const { response, error } = await search(servers.none, { query: 'anything' });
    expect(response.status).toBe(503);
    expect(error!.error.code).toBe('search_unavailable');
  });

  it.each(['searxng', 'brave', 'tavily'] as const)('answers 504 when %s does not answer in time', async (name) => {
    fake.mode = 'slow';
    fake.slowMs = 1500;
    const started = Date.now();
    const { response, error } = await search(servers[name], { query: 'slow' });
    expect(response.status).toBe(504);
    expect(error!.error.code).toBe('upstream_timeout');
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it.each([
    ['an HTTP error', 'error'],
    ['a body that is not JSON', 'garbage'],
    ['JSON of the wrong shape', 'wrong-shape'],
  ] as const)('answers 502 when the provider answers %s', async (_what, mode) => {
    fake.mode = mode;
    for (const server of [servers.searxng, servers.brave, servers.tavily]) {
      const { response, error } = await search(server, { query: 'broken' });
      expect(response.status).toBe(502);
      expect(error!.error.code).toBe('upstream_error');
    }
  });

  it('answers 502 when the provider refuses T66\'s key, without showing the key', async () => {
    fake.mode = 'unauthorized';
    const res = await raw(servers.brave.api, 'POST', '/search/web', { token: tokens.get(servers.brave)!.token, body: '{"query":"x"}' });
    expect(res.status).toBe(502);
    expect(res.json.error.details.provider_status).toBe(401);
    expect(res.text).not.toContain(BRAVE_KEY);
  });

  it.each([
    ['num_results 0', { query: 'x', num_results: 0 }],
    ['num_results 21', { query: 'x', num_results: 21 }],
    ['an empty query', { query: '' }],
    ['no query', {}],
    ['an unknown field', { query: 'x', engine: 'google' }],
  ])('answers 400 for %s without calling the provider', async (_name, body) => {
    const res = await raw(servers.searxng.api, 'POST', '/search/web', { token: tokens.get(servers.searxng)!.token, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(fake.requests).toHaveLength(0);
  });

  it('answers 401 without a token', async () => {
    const res = await raw(servers.searxng.api, 'POST', '/search/web', { body: '{"query":"x"}' });
    expect(res.status).toBe(401);
  });
});
