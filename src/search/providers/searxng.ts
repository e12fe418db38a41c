import type { WebSearchImage, WebSearchResult } from '../../../generated/types.gen.js';
import type { SearchProvider } from '../types.js';
import { badUpstream, hostnameOf, isHttpUrl, plainText, publishedDate, recordList, requestJson } from '../upstream.js';

/**
 * SearXNG's JSON API (`/search?format=json`), which an instance serves only
 * when `json` is listed under `search.formats` in its settings.yml.
 */
export function createSearxngProvider(baseUrl: string): SearchProvider {
  const endpoint = (query: string, categories?: string) => {
    const url = new URL('search', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    url.searchParams.set('q', query);
    url.searchParams.set('format', 'json');
    if (categories) url.searchParams.set('categories', categories);
    return url;
  };
  const results = async (query: string, signal: AbortSignal, categories?: string) => {
    const body = await requestJson('searxng', endpoint(query, categories), { headers: { accept: 'application/json' } }, signal);
    const list = recordList((body as { results?: unknown } | null)?.results);
    if (!list) throw badUpstream('searxng', 'answered JSON without a results list');
    return list;
  };

  return {
    name: 'searxng',
    async search({ query, count, includeImages }, signal) {
      const [web, pictures] = await Promise.all([
        results(query, signal),
        includeImages ? results(query, signal, 'images') : Promise.resolve(undefined),
      ]);
      const mapped: WebSearchResult[] = web
        .filter((r) => isHttpUrl(r.url))
        .slice(0, count)
        .map((r) => ({
          title: plainText(r.title) || String(r.url),
          url: String(r.url),
          snippet: plainText(r.content),
          source: hostnameOf(String(r.url)),
          published: publishedDate(r.publishedDate),
        }));
      if (!pictures) return { results: mapped };
      const images: WebSearchImage[] = pictures
        .filter((r) => isHttpUrl(r.img_src))
        .slice(0, count)
        .map((r) => ({
          url: String(r.img_src),
          ...(plainText(r.title) ? { title: plainText(r.title) } : {}),
          ...(isHttpUrl(r.thumbnail_src) ? { thumbnail: r.thumbnail_src } : {}),
          ...(isHttpUrl(r.url) ? { source: r.url } : {}),
        }));
      return { results: mapped, images };
    },
  };
}
