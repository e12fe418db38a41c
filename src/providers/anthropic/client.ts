import type Anthropic from '@anthropic-ai/sdk';
import { createClientPool } from '../client-pool.js';
import { httpFetch } from '../http-fetch.js';
import type { SdkErrorClasses } from '../upstream-errors.js';

/**
 * A proxy configured by base URL alone may need no key, but the SDK needs one:
 * without it, it would go looking for credential profiles on disk.
 */
const NO_KEY = 'no-key-configured';

export interface AnthropicSdk {
  client(baseURL: string | undefined, apiKey: string | undefined, timeoutMs: number): Anthropic;
  errors: SdkErrorClasses;
}

let loaded: Promise<AnthropicSdk> | undefined;

/**
 * The SDK is imported on the first Anthropic call: it holds ~15 MB that a
 * server without Anthropic models never needs. Clients are pooled as before.
 */
export function anthropicSdk(): Promise<AnthropicSdk> {
  return (loaded ??= import('@anthropic-ai/sdk').then(({ default: AnthropicClient }) => {
    const pool = createClientPool(
      (baseURL, apiKey, timeoutMs) =>
        // maxRetries 0: the gateway's own policy retries (before the first byte only).
        new AnthropicClient({ baseURL: baseURL ?? 'https://api.anthropic.com', apiKey, maxRetries: 0, timeout: timeoutMs, fetch: httpFetch }),
    );
    return {
      client: (baseURL, apiKey, timeoutMs) => pool(baseURL, apiKey || NO_KEY, timeoutMs),
      errors: AnthropicClient,
    };
  }));
}
