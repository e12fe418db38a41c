import type { WebSearchImage, WebSearchResult } from '../../../generated/types.gen.js';
import type { SearchProvider } from '../types.js';
import { badUpstream, hostnameOf, isHttpUrl, plainText, publishedDate, recordList, requestJson } from '../upstream.js';

export const TAVILY_DEFAULT_BASE_URL = 'https://api.tavily.com';

/** Tavily's `POST /search`, with the key as a bearer token. */
export function createTavilyProvider(apiKey: string, baseUrl: string): SearchProvider {
  return {
    name: 'tavily',
    async search({ query, count, includeImages }, signal) {
      const url = new URL('search', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
      const body = await requestJson(
        'tavily',
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${apiKey}` },
          body: JSON.stringify({ query, max_results: count, include_images: includeImages, search_depth: 'basic' }),
        },
        signal,
      );
      const list = recordList((body as { results?: unknown } | null)?.results);
      if (!list) throw badUpstream('tavily', 'answered JSON without a results list');
      const results: WebSearchResult[] = list
        .filter((r) => isHttpUrl(r.url))
        .slice(0, count)
        .map((r) => ({
          title: plainText(r.title) || String(r.url),
          url: String(r.url),
          snippet: plainText(r.content),
          source: hostnameOf(String(r.url)),
          published: publishedDate(r.published_date),
        }));
      if (!includeImages) return { results };
      // Images are bare URLs, or {url, description} when descriptions were asked for.
      const raw = (body as { images?: unknown }).images;
      const images: WebSearchImage[] = (Array.isArray(raw) ? raw : [])
        .map((image: unknown) =>
          typeof image === 'string'
            ? { url: image }
            : { url: (image as { url?: unknown })?.url, title: plainText((image as { description?: unknown })?.description) },
        )
        .filter((image): image is { url: string; title: string } => isHttpUrl(image.url))
        .slice(0, count)
        .map((image) => (image.title ? { url: image.url, title: image.title } : { url: image.url }));
      return { results, images };
    },
  };
}
