import type http from 'node:http';
import { sendJson, startFakeServer, type FakeRequest, type FakeServer } from './http.js';

/**
 * Fake web search APIs on one loopback server, each answering in its
 * provider's documented response format:
 * - SearXNG: `GET /searxng/search?q=…&format=json[&categories=images]`
 * - Brave: `GET /res/v1/web/search` and `/res/v1/images/search` (X-Subscription-Token)
 * - Tavily: `POST /tavily/search` (Authorization: Bearer)
 */
export type FakeSearchMode = 'ok' | 'none' | 'error' | 'unauthorized' | 'garbage' | 'wrong-shape' | 'slow';

export interface FakeSearch extends FakeServer {
  mode: FakeSearchMode;
  slowMs: number;
  searxngUrl: string;
  braveBaseUrl: string;
  tavilyBaseUrl: string;
}

export const BRAVE_KEY = 'brave-test-key';
export const TAVILY_KEY = 'tvly-test-key';

const pages = (query: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    url: `https://news${i}.example.com/articles/${i}?q=${encodeURIComponent(query)}`,
    title: `Result ${i} about <b>${query}</b>`,
    text: `Snippet ${i} &amp; more about <strong>${query}</strong>`,
  }));

function searxng(req: FakeRequest, res: http.ServerResponse) {
  const q = req.query.get('q') ?? '';
  if (req.query.get('format') !== 'json') return void res.writeHead(403).end('format not allowed');
  if (req.query.get('categories') === 'images') {
    return sendJson(res, 200, {
      query: q,
      number_of_results: 0,
      results: pages(q, 3).map((p, i) => ({
        template: 'images.html',
        url: p.url,
        title: `Picture ${i}`,
        content: '',
        img_src: `https://img.example.com/${i}.jpg`,
        thumbnail_src: `https://img.example.com/${i}-thumb.jpg`,
        engine: 'bing images',
        engines: ['bing images'],
        category: 'images',
      })),
      answers: [],
      corrections: [],
      infoboxes: [],
      suggestions: [],
      unresponsive_engines: [],
    });
  }
  // SearXNG takes no result count: it answers a page of whatever its engines found.
  return sendJson(res, 200, {
    query: q,
    number_of_results: 0,
    results: [
      ...pages(q, 25).map((p, i) => ({
        url: p.url,
        title: p.title,
        content: p.text,
        engine: 'duckduckgo',
        engines: ['duckduckgo', 'brave'],
        parsed_url: ['https', `news${i}.example.com`, `/articles/${i}`, '', '', ''],
        template: 'default.html',
        positions: [i + 1],
        score: 1 / (i + 1),
        category: 'general',
        publishedDate: i === 0 ? '2025-01-02T08:30:00' : null,
      })),
      { url: 'javascript:alert(1)', title: 'not a web page', content: '', engine: 'x', category: 'general' },
    ],
    answers: [],
    corrections: [],
    infoboxes: [],
    suggestions: ['related search'],
    unresponsive_engines: [],
  });
}

function brave(req: FakeRequest, res: http.ServerResponse, refuseKey: boolean) {
  if (refuseKey || req.headers['x-subscription-token'] !== BRAVE_KEY) {
    return sendJson(res, 401, { type: 'ErrorResponse', error: { id: 'x', status: 401, code: 'SUBSCRIPTION_TOKEN_INVALID', detail: 'The provided subscription token is invalid.' } });
  }
  const q = req.query.get('q') ?? '';
  const count = Number(req.query.get('count') ?? 20);
  if (req.path === '/res/v1/images/search') {
    return sendJson(res, 200, {
      type: 'images',
      query: { original: q, spellcheck_off: true },
      results: pages(q, Math.min(count, 3)).map((p, i) => ({
        type: 'image_result',
        title: `Picture ${i}`,
        url: p.url,
        source: `news${i}.example.com`,
        page_fetched: '2025-01-01T00:00:00Z',
        thumbnail: { src: `https://imgs.search.brave.com/${i}.jpg` },
        properties: { url: `https://img.example.com/${i}.jpg`, placeholder: `https://imgs.search.brave.com/${i}-p.jpg` },
        meta_url: { scheme: 'https', netloc: `news${i}.example.com`, hostname: `news${i}.example.com`, favicon: '', path: '' },
      })),
    });
  }
  return sendJson(res, 200, {
    type: 'search',
    query: { original: q, show_strict_warning: false, is_navigational: false, spellcheck_off: true, more_results_available: true },
    mixed: { type: 'mixed', main: [], top: [], side: [] },
    web: {
      type: 'search',
      family_friendly: true,
      results: pages(q, Math.min(count, 20)).map((p, i) => ({
        title: p.title,
        url: p.url,
        is_source_local: false,
        is_source_both: false,
        description: p.text,
        ...(i === 0 ? { page_age: '2025-01-01T10:00:00', age: 'January 1, 2025' } : {}),
        profile: { name: `News ${i}`, url: p.url, long_name: `news${i}.example.com`, img: '' },
        language: 'en',
        family_friendly: true,
        type: 'search_result',
        subtype: 'generic',
        meta_url: { scheme: 'https', netloc: `news${i}.example.com`, hostname: `news${i}.example.com`, favicon: '', path: `› articles › ${i}` },
      })),
    },
  });
}

function tavily(req: FakeRequest, res: http.ServerResponse) {
  if (req.headers.authorization !== `Bearer ${TAVILY_KEY}`) return sendJson(res, 401, { detail: { error: 'Unauthorized: missing or invalid API key.' } });
  const body = JSON.parse(req.body) as { query: string; max_results?: number; include_images?: boolean };
  return sendJson(res, 200, {
    query: body.query,
    follow_up_questions: null,
    answer: null,
    images: body.include_images ? ['https://img.example.com/0.jpg', 'https://img.example.com/1.jpg'] : [],
    results: pages(body.query, body.max_results ?? 5).map((p, i) => ({
      title: p.title,
      url: p.url,
      content: p.text,
      score: 0.9 - i / 100,
      raw_content: null,
      ...(i === 0 ? { published_date: 'Thu, 02 Jan 2025 08:30:00 GMT' } : {}),
    })),
    response_time: 0.42,
  });
}

export async function startFakeSearch(): Promise<FakeSearch> {
  const fake = { mode: 'ok', slowMs: 2000 } as FakeSearch;
  const server = await startFakeServer(async (req, res) => {
    switch (fake.mode) {
      case 'error':
        return sendJson(res, 500, { error: 'internal' });
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end('<html>not json</html>');
      case 'wrong-shape':
        return sendJson(res, 200, { hello: 'world' });
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, fake.slowMs));
        break;
      case 'none':
        if (req.path.startsWith('/res/v1/web')) return sendJson(res, 200, { type: 'search', query: { original: req.query.get('q') } });
        return sendJson(res, 200, { query: '', results: [], images: [] });
    }
    if (req.method === 'GET' && req.path === '/searxng/search') return searxng(req, res);
    if (req.method === 'GET' && req.path.startsWith('/res/v1/')) return brave(req, res, fake.mode === 'unauthorized');
    if (req.method === 'POST' && req.path === '/tavily/search') return tavily(req, res);
    sendJson(res, 404, { error: 'no such route' });
  });
  return Object.assign(fake, server, {
    searxngUrl: `${server.origin}/searxng`,
    braveBaseUrl: server.origin,
    tavilyBaseUrl: `${server.origin}/tavily`,
  });
}
