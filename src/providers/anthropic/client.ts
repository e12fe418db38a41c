import Anthropic from '@anthropic-ai/sdk';
import { createClientPool } from '../client-pool.js';
import { httpFetch } from '../http-fetch.js';
import type { SdkErrorClasses } from '../upstream-errors.js';

const pool = createClientPool(
  (baseURL, apiKey, timeoutMs) =>
    // maxRetries 0: the gateway's own policy retries (before the first byte only).
    new Anthropic({ baseURL: baseURL ?? 'https://api.anthropic.com', apiKey, maxRetries: 0, timeout: timeoutMs, fetch: httpFetch }),
);

/**
 * A proxy configured by base URL alone may need no key, but the SDK needs one:
 * without it, it would go looking for credential profiles on disk.
 */
const NO_KEY = 'no-key-configured';

export function anthropicClient(baseURL: string | undefined, apiKey: string | undefined, timeoutMs: number): Anthropic {
  return pool(baseURL, apiKey || NO_KEY, timeoutMs);
}

export const anthropicErrors: SdkErrorClasses = Anthropic;
