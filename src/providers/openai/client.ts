import OpenAI from 'openai';
import { createClientPool } from '../client-pool.js';
import { httpFetch } from '../http-fetch.js';
import type { SdkErrorClasses } from '../upstream-errors.js';

/**
 * Servers without keys (Ollama, vLLM) still need a non-empty key for the SDK;
 * this one is sent as the bearer token and ignored by them.
 */
const NO_KEY = 'no-key-configured';

const pool = createClientPool(
  (baseURL, apiKey, timeoutMs) =>
    // maxRetries 0: the gateway's own policy retries (before the first byte only).
    new OpenAI({ baseURL: baseURL ?? 'https://api.openai.com/v1', apiKey, maxRetries: 0, timeout: timeoutMs, fetch: httpFetch }),
);

export function openaiClient(baseURL: string | undefined, apiKey: string | undefined, timeoutMs: number): OpenAI {
  return pool(baseURL, apiKey || NO_KEY, timeoutMs);
}

export const openaiErrors: SdkErrorClasses = OpenAI;
