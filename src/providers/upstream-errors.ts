import { UpstreamError, type UpstreamFailure } from './types.js';

/** What both provider SDKs' APIError carries (their classes differ, their fields do not). */
interface SdkApiError {
  status: number | undefined;
  headers: Headers | undefined;
  error: unknown;
  message: string;
}

/** An SDK's error classes, so one function can sort either SDK's failures. */
export interface SdkErrorClasses {
  APIError: abstract new (...args: never[]) => SdkApiError;
  APIUserAbortError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
}

const MAX_MESSAGE_CHARS = 500;

/** Sorts whatever an SDK call threw into the gateway's failure kinds. */
export function toUpstreamError(err: unknown, sdk: SdkErrorClasses, provider: string): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof sdk.APIUserAbortError) return new UpstreamError('aborted', 'The request was aborted');
  if (err instanceof sdk.APIConnectionTimeoutError) return new UpstreamError('timeout', `${provider} did not answer in time`);
  if (err instanceof sdk.APIConnectionError) return new UpstreamError('unreachable', `${provider} could not be reached`);
  if (err instanceof sdk.APIError) {
    const message = upstreamMessage(err);
    if (err.status === undefined) return new UpstreamError(failureOfErrorType(err.error), message);
    return new UpstreamError(failureOfStatus(err.status), message, err.status, retryAfterSeconds(err.headers));
  }
  if (err instanceof Error && err.name === 'AbortError') return new UpstreamError('aborted', 'The request was aborted');
  // A body cut mid-way (undici's "terminated"), or bytes that do not parse.
  return new UpstreamError('protocol', `${provider} broke off its answer`);
}

function failureOfStatus(status: number): UpstreamFailure {
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server_error';
  if (status === 401 || status === 403) return 'auth_failed';
  return 'bad_request';
}

/** An error sent inside a stream has no status; its type says what it was. */
function failureOfErrorType(body: unknown): UpstreamFailure {
  const type = errorObject(body)?.type;
  if (type === 'rate_limit_error') return 'rate_limited';
  if (type === 'invalid_request_error') return 'bad_request';
  return 'server_error';
}

function errorObject(body: unknown): { type?: unknown; message?: unknown } | undefined {
  if (!body || typeof body !== 'object') return undefined;
  // OpenAI's SDK keeps the inner `error` object; Anthropic's keeps the whole body.
  const inner = (body as { error?: unknown }).error;
  if (inner && typeof inner === 'object') return inner as { type?: unknown; message?: unknown };
  return body as { type?: unknown; message?: unknown };
}

function upstreamMessage(err: SdkApiError): string {
  const message = errorObject(err.error)?.message;
  const text = typeof message === 'string' && message ? message : err.message;
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return Math.ceil(ms / 1000);
  const raw = headers?.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
