import { intFromEnv } from '../config.js';
import { ApiError } from '../http/errors.js';
import type { WebSearchRequest, WebSearchResponse } from '../../generated/types.gen.js';
import type { SearchProvider } from './types.js';
import { createSearxngProvider } from './providers/searxng.js';
import { BRAVE_DEFAULT_BASE_URL, createBraveProvider } from './providers/brave.js';
import { TAVILY_DEFAULT_BASE_URL, createTavilyProvider } from './providers/tavily.js';

export interface SearchRuntime {
  provider: SearchProvider | undefined;
  timeoutMs: number;
}

/**
 * The provider comes from T66_SEARCH_PROVIDER when set, else the first one
 * configured of SearXNG, Brave, Tavily.
 */
export function createSearchRuntime(env: NodeJS.ProcessEnv): SearchRuntime {
  const available: Record<SearchProvider['name'], () => SearchProvider | undefined> = {
    searxng: () => (env.SEARXNG_URL ? createSearxngProvider(env.SEARXNG_URL) : undefined),
    brave: () => (env.BRAVE_API_KEY ? createBraveProvider(env.BRAVE_API_KEY, env.BRAVE_BASE_URL || BRAVE_DEFAULT_BASE_URL) : undefined),
    tavily: () =>
      env.TAVILY_API_KEY ? createTavilyProvider(env.TAVILY_API_KEY, env.TAVILY_BASE_URL || TAVILY_DEFAULT_BASE_URL) : undefined,
  };
  const chosen = env.T66_SEARCH_PROVIDER;
  let provider: SearchProvider | undefined;
  if (chosen) {
    if (!(chosen in available)) throw new Error(`T66_SEARCH_PROVIDER must be searxng, brave or tavily (got "${chosen}")`);
    provider = available[chosen as SearchProvider['name']]();
    if (!provider) throw new Error(`T66_SEARCH_PROVIDER is ${chosen}, but its URL or API key is not set`);
  } else {
    provider = available.searxng() ?? available.brave() ?? available.tavily();
  }
  return { provider, timeoutMs: intFromEnv(env, 'T66_SEARCH_TIMEOUT_MS', 10_000) };
}

export async function searchWeb(runtime: SearchRuntime, request: WebSearchRequest): Promise<WebSearchResponse> {
  if (!runtime.provider) {
    throw new ApiError(503, 'search_unavailable', 'No web search provider is configured (set SEARXNG_URL, BRAVE_API_KEY or TAVILY_API_KEY)');
  }
  const started = process.hrtime.bigint();
  const includeImages = request.include_images ?? false;
  const answer = await runtime.provider.search(
    { query: request.query, count: request.num_results ?? 10, includeImages },
    AbortSignal.timeout(runtime.timeoutMs),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    query: request.query,
    results: answer.results,
    ...(includeImages ? { images: answer.images ?? [] } : {}),
    search_time: Math.round(seconds * 1000) / 1000,
  };
}
