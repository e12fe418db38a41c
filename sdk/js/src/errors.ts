/**
 * Typed errors. Every error T66 answers has the envelope {"error":{"code","message","details"}};
 * the SDK turns it into one of these classes, chosen by HTTP status, so callers can
 * `catch (e) { if (e instanceof NotFoundError) ... }` or switch on `e.code`.
 */

export interface T66ErrorInit {
  /** HTTP status; 0 when no HTTP status applies (the connection failed, or an error arrived inside a stream). */
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  requestId?: string;
  cause?: unknown;
}

export class T66Error extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  /** The `X-Request-Id` of the failed request, to find its log line on the server. */
  readonly requestId: string | undefined;

  constructor(init: T66ErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? {};
    this.requestId = init.requestId;
  }
}

/** 400: the request failed validation; `details` names the fields. */
export class BadRequestError extends T66Error {}
/** 401: missing, invalid, expired or revoked token, or wrong credentials. */
export class AuthenticationError extends T66Error {}
/** 403: authenticated, but not allowed. */
export class PermissionDeniedError extends T66Error {}
/** 404: no such resource for this caller (another user's record looks the same). */
export class NotFoundError extends T66Error {}
/** 409: the resource already exists (e.g. `email_taken`). */
export class ConflictError extends T66Error {}
/** 5xx: the server or an upstream provider failed. */
export class ServerError extends T66Error {}
/** The request never got an HTTP answer (DNS, refused connection, reset, abort). */
export class ConnectionError extends T66Error {}

/** 429: a rate limit was reached. */
export class RateLimitError extends T66Error {
  /** Seconds to wait before retrying, from `Retry-After` (or `details.retry_after`), when the server said. */
  readonly retryAfter: number | undefined;

  constructor(init: T66ErrorInit & { retryAfter?: number }) {
    super(init);
    this.retryAfter = init.retryAfter;
  }
}

/** A webhook delivery whose signature or timestamp does not check out. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

interface Envelope {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `error` object of an envelope, when `body` is one. */
export function envelopeOf(body: unknown): Envelope | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const { code, message, details } = body.error;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return { code, message, details: isRecord(details) ? details : undefined };
}

/** Seconds from a `Retry-After` header: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** The typed error for an HTTP answer that is not a success. `body` is the parsed JSON (or text) of the answer. */
export function errorFromResponse(status: number, body: unknown, headers?: Headers): T66Error {
  const envelope = envelopeOf(body);
  const init: T66ErrorInit = {
    status,
    code: envelope?.code ?? `http_${status}`,
    message: envelope?.message ?? (typeof body === 'string' && body.trim() ? body.trim().slice(0, 500) : `HTTP ${status}`),
    details: envelope?.details,
    requestId: headers?.get('x-request-id') ?? undefined,
  };
  if (status === 429) {
    const fromDetails = typeof init.details?.retry_after === 'number' ? init.details.retry_after : undefined;
    return new RateLimitError({ ...init, retryAfter: parseRetryAfter(headers?.get('retry-after')) ?? fromDetails });
  }
  if (status === 400) return new BadRequestError(init);
  if (status === 401) return new AuthenticationError(init);
  if (status === 403) return new PermissionDeniedError(init);
  if (status === 404) return new NotFoundError(init);
  if (status === 409) return new ConflictError(init);
  if (status >= 500) return new ServerError(init);
  return new T66Error(init);
}

/** An error frame inside a stream (`data: {"error":{...}}`) or a realtime `error` event. */
export function errorFromEnvelope(body: unknown): T66Error | undefined {
  const envelope = envelopeOf(body);
  return envelope && new T66Error({ status: 0, ...envelope });
}

export function connectionError(cause: unknown): ConnectionError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const aborted = cause instanceof Error && cause.name === 'AbortError';
  return new ConnectionError({
    status: 0,
    code: aborted ? 'aborted' : 'connection_error',
    message: aborted ? 'The request was aborted' : `Could not reach T66: ${reason}`,
    cause,
  });
}
