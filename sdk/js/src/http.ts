/**
 * The SDK's transport: one generated fetch client per T66Client, the token it sends, and the
 * conversion of every answer into either its body or a typed error.
 */
import { createClient, type Client } from './generated/client/index.js';
import { T66Error, connectionError, errorFromResponse } from './errors.js';

export interface SessionOptions {
  /** A T66 access token (JWT). `apiKey` and `token` mean the same thing; `token` wins when both are given. */
  token?: string;
  /**
   * Refresh the token shortly before it expires. Default: on for tokens this client got itself
   * (login, register, refresh), off for a token you passed in, because a refresh revokes the old
   * token and your stored copy would stop working.
   */
  autoRefresh?: boolean;
  /** Refresh when fewer than this many seconds are left (default 60, at most half the token's lifetime). */
  refreshWindowSeconds?: number;
  /** Called whenever the token changes (login, refresh, logout), e.g. to persist it. */
  onTokenChange?: (token: string | undefined) => void;
}

export interface Session {
  readonly token: string | undefined;
  /** `owned`: the client got this token itself, so it may rotate it. */
  setToken(token: string | undefined, owned: boolean): void;
  /** The token to send now, refreshed first when it is about to expire and refreshing is allowed. */
  currentToken(): Promise<string | undefined>;
  /** Resolves with the token once it is no longer `from` (possibly undefined), or with `from` after `ms`. */
  changedFrom(from: string, ms: number): Promise<string | undefined>;
}

export interface Transport {
  /** The generated fetch client, with base URL `…/api` and the session's token. */
  readonly client: Client;
  /** e.g. `http://localhost:8090/api` */
  readonly apiBase: string;
  /** e.g. `http://localhost:8090` */
  readonly root: string;
  readonly session: Session;
}

/** What every generated operation function resolves to (with `throwOnError: false`). */
export type Outcome<T> = ({ data: T; error: undefined } | { data: undefined; error: unknown }) & {
  request: Request;
  response: Response;
};

/** Accepts the server root (`http://localhost:8090`) or the API base (`http://localhost:8090/api`). */
export function resolveUrls(apiUrl: string): { root: string; apiBase: string } {
  if (typeof apiUrl !== 'string' || !/^https?:\/\//i.test(apiUrl)) {
    throw new TypeError(`apiUrl must be an http(s) URL such as 'http://localhost:8090' (got ${JSON.stringify(apiUrl)})`);
  }
  const trimmed = apiUrl.replace(/\/+$/, '');
  const root = trimmed.replace(/\/api$/i, '');
  return { root, apiBase: `${root}/api` };
}

function jwtTimes(token: string): { iat?: number; exp?: number } {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const claims: unknown = JSON.parse(json);
    if (typeof claims !== 'object' || claims === null) return {};
    const { iat, exp } = claims as { iat?: unknown; exp?: unknown };
    return { iat: typeof iat === 'number' ? iat : undefined, exp: typeof exp === 'number' ? exp : undefined };
  } catch {
    return {};
  }
}

export function createSession(
  options: SessionOptions,
  refresh: (oldToken: string) => Promise<string>,
): Session {
  let token = options.token;
  let owned = false;
  let inflight: Promise<string> | undefined;
  const waiters = new Set<(token: string | undefined) => void>();
  const windowSeconds = options.refreshWindowSeconds ?? 60;

  const dueForRefresh = (value: string) => {
    const { iat, exp } = jwtTimes(value);
    if (exp === undefined) return false;
    const lifetime = iat === undefined ? Infinity : exp - iat;
    const left = exp - Date.now() / 1000;
    return left > 0 && left < Math.min(windowSeconds, lifetime / 2);
  };

  const session: Session = {
    get token() {
      return token;
    },
    setToken(next, isOwned) {
      const changed = next !== token;
      token = next;
      owned = isOwned;
      if (!changed) return;
      options.onTokenChange?.(next);
      for (const wake of [...waiters]) wake(next);
    },
    changedFrom(from, ms) {
      if (token !== from) return Promise.resolve(token);
      return new Promise((resolve) => {
        const done = (value: string | undefined) => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve(value);
        };
        const timer = setTimeout(() => done(token), ms);
        waiters.add(done);
      });
    },
    async currentToken() {
      const allowed = options.autoRefresh ?? owned;
      if (!token || !allowed || !dueForRefresh(token)) return token;
      // One refresh at a time: concurrent requests wait for it instead of each rotating the token.
      inflight ??= refresh(token).finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
  };
  return session;
}

export function createTransport(
  apiUrl: string,
  session: Session,
  extra: { fetch?: typeof fetch; headers?: Record<string, string> },
): Transport {
  const { root, apiBase } = resolveUrls(apiUrl);
  const client = createClient({
    baseUrl: apiBase,
    auth: () => session.currentToken(),
    ...(extra.fetch ? { fetch: extra.fetch } : {}),
    ...(extra.headers ? { headers: extra.headers } : {}),
  });
  return { client, apiBase, root, session };
}

/** The body of a successful answer, or the typed error. */
export async function unwrap<T>(pending: Promise<Outcome<T>>): Promise<T> {
  let result: Outcome<T>;
  try {
    result = await pending;
  } catch (err) {
    throw toError(err);
  }
  // The generated client reports a failed fetch as an outcome without a response.
  if (!result.response) throw toError(result.error);
  if (result.error !== undefined || !result.response.ok) {
    throw errorFromResponse(result.response.status, result.error, result.response.headers);
  }
  return result.data as T;
}

/** Same as unwrap, for operations answered with 204 and no body. */
export async function unwrapEmpty(pending: Promise<Outcome<unknown>>): Promise<void> {
  await unwrap(pending);
}

function toError(err: unknown): T66Error {
  return err instanceof T66Error ? err : connectionError(err);
}
