import { ApiError } from '../http/errors.js';
import { providerUsable, type Catalogue, type CatalogueModel, type ProviderConfig } from '../models/catalogue.js';
import { UpstreamError, type ProviderCall, type UpstreamFailure } from '../providers/types.js';
import type { UpstreamPolicy } from './runtime.js';
import type { ClientWatch } from './accounting.js';

/** One model that may serve the request, with the credentials it would be called with. */
export interface Candidate {
  model: CatalogueModel;
  provider: ProviderConfig;
  baseURL: string | undefined;
  apiKey: string | undefined;
}

/** The requested model first, then its catalogue fallbacks whose provider can serve this user. */
export function candidatesFor(catalogue: Catalogue, model: CatalogueModel, userKeys: Readonly<Record<string, string>>): Candidate[] {
  const primary = catalogue.providers.get(model.provider)!;
  if (!providerUsable(primary, userKeys)) {
    throw new ApiError(
      503,
      'provider_unavailable',
      `The provider "${primary.id}" of model '${model.id}' has no API key configured; store your own key in your user settings`,
      { model: model.id, provider: primary.id },
    );
  }
  const candidates = [candidate(model, primary, userKeys)];
  for (const id of model.fallbacks) {
    const fallback = catalogue.models.get(id)!;
    const provider = catalogue.providers.get(fallback.provider)!;
    if (providerUsable(provider, userKeys)) candidates.push(candidate(fallback, provider, userKeys));
  }
  return candidates;
}

/** The local model needs no keys; any other provider may be called with the user's own key (BYOK). */
export function needsUserKeys(catalogue: Catalogue, model: CatalogueModel): boolean {
  return [model.id, ...model.fallbacks].some((id) => {
    const entry = catalogue.models.get(id);
    return entry !== undefined && catalogue.providers.get(entry.provider)?.kind !== 'local';
  });
}

function candidate(model: CatalogueModel, provider: ProviderConfig, userKeys: Readonly<Record<string, string>>): Candidate {
  // BYOK: the user's own key wins over the server's.
  return { model, provider, baseURL: provider.baseURL, apiKey: userKeys[provider.id] || provider.apiKey };
}

/** One upstream call's lifetime: aborted when the client leaves or when the upstream stays silent too long. */
export interface Attempt {
  signal: AbortSignal;
  readonly timedOut: boolean;
  /** The upstream sent something: restart the silence timer. */
  touch(): void;
  end(): void;
}

export function startAttempt(client: ClientWatch, timeoutMs: number): Attempt {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const unsubscribe = client.onAbort(() => controller.abort());
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    touch: () => timer.refresh(),
    end() {
      clearTimeout(timer);
      unsubscribe();
    },
  };
}

/** An abort the attempt caused itself is a timeout; one the client caused stays an abort. */
export function settleFailure(err: unknown, attempt: Attempt): UpstreamError {
  const failure = err instanceof UpstreamError ? err : new UpstreamError('protocol', 'The provider answered something unreadable');
  if (failure.failure === 'aborted' && attempt.timedOut) return new UpstreamError('timeout', 'The provider did not answer in time');
  return failure;
}

const RETRYABLE: ReadonlySet<UpstreamFailure> = new Set(['rate_limited', 'server_error', 'timeout', 'unreachable']);
/** A retry-after longer than this is not waited for: the next candidate is tried, or the 429 goes back to the client. */
const MAX_RETRY_WAIT_MS = 5000;
const MAX_BACKOFF_MS = 4000;

export interface Opened<T> {
  value: T;
  candidate: Candidate;
  attempt: Attempt;
}

/**
 * Calls the candidates in order, retrying each with backoff, on 429, 5xx,
 * timeouts and unreachable upstreams, while `mayRetry` allows (nothing reached
 * the client yet) and the client is still there. `progress.candidate` tells the
 * caller which model was tried last, for accounting.
 */
export async function callUpstream<T>(
  candidates: Candidate[],
  policy: UpstreamPolicy,
  client: ClientWatch,
  mayRetry: () => boolean,
  progress: { candidate: Candidate },
  run: (candidate: Candidate, call: ProviderCall) => Promise<T>,
): Promise<Opened<T>> {
  let lastFailure: UpstreamError | undefined;
  for (const candidate of candidates) {
    progress.candidate = candidate;
    for (let retry = 0; retry <= policy.retries; retry++) {
      if (client.aborted) throw new UpstreamError('aborted', 'The client went away');
      const attempt = startAttempt(client, policy.timeoutMs);
      try {
        const call = { baseURL: candidate.baseURL, apiKey: candidate.apiKey, signal: attempt.signal, timeoutMs: policy.timeoutMs };
        return { value: await run(candidate, call), candidate, attempt };
      } catch (err) {
        attempt.end();
        const failure = settleFailure(err, attempt);
        lastFailure = failure;
        if (!RETRYABLE.has(failure.failure) || !mayRetry() || client.aborted) throw failure;
        const retryAfterMs = (failure.retryAfter ?? 0) * 1000;
        if (retryAfterMs > MAX_RETRY_WAIT_MS || retry === policy.retries) break;
        const backoff = Math.min(policy.retryBaseMs * 2 ** retry, MAX_BACKOFF_MS) * (0.8 + Math.random() * 0.4);
        await sleep(Math.max(backoff, retryAfterMs), client);
      }
    }
    if (!mayRetry()) break;
  }
  throw lastFailure ?? new UpstreamError('server_error', 'No provider could serve the request');
}

function sleep(ms: number, client: ClientWatch): Promise<void> {
  return new Promise((resolve) => {
    let unsubscribe = () => {};
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, ms);
    unsubscribe = client.onAbort(done);
  });
}
