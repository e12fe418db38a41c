import type { WebSearchImage, WebSearchResult } from '../../generated/types.gen.js';

export interface SearchQuery {
  query: string;
  count: number;
  includeImages: boolean;
}

export interface SearchAnswer {
  results: WebSearchResult[];
  images?: WebSearchImage[];
}

/** One configured web search backend. */
export interface SearchProvider {
  name: 'searxng' | 'brave' | 'tavily';
  search(query: SearchQuery, signal: AbortSignal): Promise<SearchAnswer>;
}
