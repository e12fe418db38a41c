import { ApiError } from '../http/errors.js';
import type { UpstreamError } from '../providers/types.js';

/**
 * A provider's failure as the client sees it. 401/403 from the provider are
 * T66's (or the user's stored) credentials failing, not the caller's token,
 * so they are a 502; the upstream's wording is kept only for 400s and 429s,
 * where it tells the caller what to change.
 */
export function apiErrorOf(err: UpstreamError, provider: string): ApiError {
  const details = { provider, ...(err.status ? { upstream_status: err.status } : {}) };
  switch (err.failure) {
    case 'rate_limited': {
      const retryAfter = err.retryAfter;
      return new ApiError(
        429,
        'upstream_rate_limited',
        `The provider is rate limiting these requests: ${err.message}`,
        retryAfter !== undefined ? { ...details, retry_after: retryAfter } : details,
        retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : undefined,
      );
    }
    case 'bad_request':
      return new ApiError(400, 'invalid_request', err.message, details);
    case 'timeout':
      return new ApiError(504, 'upstream_timeout', 'The provider did not answer in time', details);
    case 'auth_failed':
      return new ApiError(502, 'upstream_auth_failed', `The provider "${provider}" refused the configured API key`, details);
    case 'unreachable':
      return new ApiError(502, 'upstream_unreachable', `The provider "${provider}" could not be reached`, details);
    case 'aborted':
      return new ApiError(502, 'client_closed', 'The client closed the connection before the answer was ready', details);
    default:
      return new ApiError(502, 'upstream_error', `The provider "${provider}" failed${err.status ? ` (HTTP ${err.status})` : ''}`, details);
  }
}
