import type { WebSearchImage, WebSearchResult } from '../../../generated/types.gen.js';
import type { SearchProvider } from '../types.js';
import { badUpstream, hostnameOf, isHttpUrl, plainText, publishedDate, recordList, requestJson } from '../upstream.js';

export const BRAVE_DEFAULT_BASE_URL = 'https://api.search.brave.com';

type Json = Record<string, unknown>;
const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Json)[key] : undefined);

/** Brave Search API: `/res/v1/web/search` and `/res/v1/images/search`, with the key in X-Subscription-Token. */
export function createBraveProvider(apiKey: string, baseUrl: string): SearchProvider {
  const get = async (path: string, query: string, count: number, signal: AbortSignal, type: string) => {
    const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    url.searchParams.set('q', query);
    url.searchParams.set('count', String(count));
    const body = await requestJson(
      'brave',
      url,
      { headers: { accept: 'application/json', 'x-subscription-token': apiKey } },
      signal,
    );
    if (field(body, 'type') !== type) throw badUpstream('brave', `answered JSON that is not a ${type} response`);
    return body;
  };

  return {
    name: 'brave',
    async search({ query, count, includeImages }, signal) {
      const [web, pictures] = await Promise.all([
        get('res/v1/web/search', query, count, signal, 'search'),
        includeImages ? get('res/v1/images/search', query, count, signal, 'images') : Promise.resolve(undefined),
      ]);
      // Brave leaves `web` out when nothing matched.
      const webPart = field(web, 'web');
      const list = webPart === undefined ? [] : recordList(field(webPart, 'results'));
      if (!list) throw badUpstream('brave', 'answered a web section without a results list');
      const results: WebSearchResult[] = list
        .filter((r) => isHttpUrl(r.url))
        .slice(0, count)
        .map((r) => ({
          title: plainText(r.title) || String(r.url),
          url: String(r.url),
          snippet: plainText(r.description),
          source: plainText(field(r.profile, 'name')) || plainText(field(r.meta_url, 'hostname')) || hostnameOf(String(r.url)),
          published: publishedDate(r.page_age) ?? publishedDate(r.age),
        }));
      if (!pictures) return { results };
      const imageList = recordList(field(pictures, 'results'));
      if (!imageList) throw badUpstream('brave', 'answered an image search without a results list');
      const images: WebSearchImage[] = imageList
        .filter((r) => isHttpUrl(field(r.properties, 'url')))
        .slice(0, count)
        .map((r) => ({
          url: String(field(r.properties, 'url')),
          ...(plainText(r.title) ? { title: plainText(r.title) } : {}),
          ...(isHttpUrl(field(r.thumbnail, 'src')) ? { thumbnail: String(field(r.thumbnail, 'src')) } : {}),
          ...(isHttpUrl(r.url) ? { source: r.url } : {}),
        }));
      return { results, images };
    },
  };
}
