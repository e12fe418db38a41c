import { createHash } from 'node:crypto';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { ServerResponse } from 'node:http';
import { rateLimit, ipKeyGenerator, MemoryStore, type ClientRateLimitInfo, type RateLimitInfo, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from 'pino';
import type { AppContext } from '../app-context.js';
import type { SharedRedis } from '../system/redis.js';
import { tokenFromHeader } from '../auth/tokens.js';
import { ApiError } from '../http/errors.js';
import { sendError } from '../http/respond.js';
import type { Limit, RateLimitConfig } from './config.js';

type KeyOf = (req: Request) => string | Promise<string>;

interface LimiterSpec {
  /** Names the counter (Redis key part) and the request property holding its state. */
  name: string;
  limit: Limit;
  keyOf: KeyOf;
  /** Requests this counter ignores (e.g. a login body without an email). */
  skip?: (req: Request) => boolean;
}

/**
 * One limit's counter used directly, without Express: the completions fast
 * path (src/completions/fast-path.ts) counts on the same store as the Express
 * route, so a client's requests count once whichever way they came.
 */
export interface DirectCounter {
  limit: Limit;
  /** Counts one request; undefined when the store failed (the request passes, as on the Express routes). */
  hit(key: string): Promise<ClientRateLimitInfo | undefined>;
}

export interface RateLimits {
  router: Router;
  completions: DirectCounter | undefined;
}

/**
 * The seed's rate limits as Express middleware in front of the router:
 * authentication by client IP and by email, completions, images and uploads by
 * user. Counters live in memory, or in Redis (one round trip per limited
 * request) when REDIS_URL is set so that every instance shares them.
 */
export function rateLimits(app: AppContext, config: RateLimitConfig, redis: SharedRedis | undefined): RateLimits {
  // Case-sensitive like openapi-backend's routing, so /API/... (a 404) is not counted.
  const router = Router({ caseSensitive: true });
  const make = (spec: LimiterSpec, store = storeFor(spec.name, redis)) => limiter(spec, store, app.log);

  if (config.auth) {
    const byIp = make({ name: 'auth-ip', limit: config.auth, keyOf: clientIpKey });
    const byEmail = make({
      name: 'auth-email',
      limit: config.auth,
      keyOf: (req) => `email:${hashed(loginEmail(req) ?? '')}`,
      skip: (req) => loginEmail(req) === undefined,
    });
    const credentials = [byIp, byEmail, tightestHeaders(['auth-ip', 'auth-email'])];
    router.post('/api/auth/register', credentials);
    router.post('/api/auth/login', credentials);
    router.post('/api/collections/users/auth-with-password', credentials);
    router.post('/api/auth/refresh', byIp);
    router.post('/api/collections/users/auth-refresh', byIp);
  }
  const byCaller = (req: Request) => callerKey(app, req);
  let completions: DirectCounter | undefined;
  if (config.completions) {
    const store = storeFor('completions', redis) ?? new MemoryStore();
    router.post('/api/chat/completions', make({ name: 'completions', limit: config.completions, keyOf: byCaller }, store));
    completions = directCounter(config.completions, store, app.log);
  }
  if (config.images) router.post('/api/images/generate', make({ name: 'images', limit: config.images, keyOf: byCaller }));
  if (config.uploads) router.post('/api/files/upload', make({ name: 'uploads', limit: config.uploads, keyOf: byCaller }));
  return { router, completions };
}

function directCounter(limit: Limit, store: Store, log: Logger): DirectCounter {
  return {
    limit,
    async hit(key) {
      try {
        return await store.increment(key);
      } catch (err) {
        log.error({ err }, 'rate limit store failed; the request passes');
        return undefined;
      }
    },
  };
}

/**
 * The headers express-rate-limit writes (X-RateLimit-*, reset in epoch
 * seconds), and the 429 it would answer, for a count taken with a DirectCounter.
 */
export function applyCount(res: ServerResponse, counter: DirectCounter, info: ClientRateLimitInfo): ApiError | undefined {
  const { max, windowMs } = counter.limit;
  res.setHeader('X-RateLimit-Limit', String(max));
  res.setHeader('X-RateLimit-Remaining', String(Math.max(max - info.totalHits, 0)));
  if (info.resetTime) res.setHeader('X-RateLimit-Reset', String(Math.ceil(info.resetTime.getTime() / 1000)));
  if (info.totalHits <= max) return undefined;
  const retryAfter = info.resetTime ? Math.max(0, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000)) : Math.ceil(windowMs / 1000);
  return new ApiError(429, 'rate_limited', 'Too many requests, retry later', { limit: max, retry_after: retryAfter }, {
    'Retry-After': String(retryAfter),
  });
}

function storeFor(name: string, redis: SharedRedis | undefined): Store | undefined {
  if (!redis) return undefined; // express-rate-limit's MemoryStore
  return new RedisStore({
    sendCommand: (...command: string[]) => redis.client.sendCommand(command) as Promise<RedisReply>,
    prefix: `${redis.prefix}rl:${name}:`,
  });
}

function limiter(spec: LimiterSpec, store: Store | undefined, log: Logger): RequestHandler {
  const property = infoProperty(spec.name);
  const counted = rateLimit({
    windowMs: spec.limit.windowMs,
    limit: spec.limit.max,
    // X-RateLimit-* with the reset as Unix epoch seconds, as the seed shows; Retry-After on refusals.
    legacyHeaders: true,
    standardHeaders: false,
    requestPropertyName: property,
    keyGenerator: spec.keyOf,
    ...(spec.skip ? { skip: spec.skip } : {}),
    // With Redis away, let requests through (logged) rather than fail the API.
    passOnStoreError: true,
    store,
    logger: {
      error: (err, message) => log.error({ err }, message ?? 'rate limiter error'),
      warn: (err, message) => log.warn({ err }, message ?? 'rate limiter warning'),
    },
    handler: (req, res) => refuse(req, res, property),
  });
  return counted;
}

function refuse(req: Request, res: Response, property: string) {
  const info = rateLimitInfo(req, property);
  const retryAfter = Number(res.getHeader('Retry-After') ?? 0);
  sendError(
    res,
    new ApiError(429, 'rate_limited', 'Too many requests, retry later', { limit: info?.limit ?? 0, retry_after: retryAfter }),
  );
}

/** When two counters apply (IP and email), the headers describe the one closest to refusing. */
function tightestHeaders(names: string[]): RequestHandler {
  return (req, res, next) => {
    const infos = names.map((name) => rateLimitInfo(req, infoProperty(name))).filter((i) => i !== undefined);
    const tightest = infos.reduce<RateLimitInfo | undefined>((a, b) => (!a || b.remaining < a.remaining ? b : a), undefined);
    if (tightest) {
      res.setHeader('X-RateLimit-Limit', String(tightest.limit));
      res.setHeader('X-RateLimit-Remaining', String(tightest.remaining));
      if (tightest.resetTime) res.setHeader('X-RateLimit-Reset', String(Math.ceil(tightest.resetTime.getTime() / 1000)));
    }
    next();
  };
}

function infoProperty(name: string): string {
  return `rateLimit_${name}`;
}

function rateLimitInfo(req: Request, property: string): RateLimitInfo | undefined {
  return (req as unknown as Record<string, RateLimitInfo | undefined>)[property];
}

/** Express derives req.ip from the socket, or from X-Forwarded-For only as far as T66_TRUST_PROXY allows. */
function clientIpKey(req: Request): string {
  // ipKeyGenerator named here, as express-rate-limit's start-up check looks for it next to req.ip.
  return `ip:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`;
}

/** The counter key of a client address (IPv6 clients are counted per /56, as express-rate-limit does). */
export function ipKey(address: string | undefined): string {
  return `ip:${ipKeyGenerator(address ?? 'unknown')}`;
}

/** The email a credentials request names, normalised as accounts store it (`identity` in PocketBase's login). */
function loginEmail(req: Request): string | undefined {
  const body = req.body as { email?: unknown; identity?: unknown } | undefined;
  const raw = body?.email ?? body?.identity;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  return raw.trim().toLowerCase();
}

/** Keys in Redis should not hold addresses in clear. */
function hashed(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * The user of a valid, unrevoked bearer token; otherwise the client IP (the
 * router answers 401 to such requests anyway, but they still count).
 */
async function callerKey(app: AppContext, req: Request): Promise<string> {
  const token = tokenFromHeader(req.headers.authorization);
  if (token) {
    try {
      const claims = await app.tokens.verify(token);
      if (!app.revocations.isRevoked(claims.jti)) return `user:${claims.userId}`;
    } catch {
      // Not a valid token: counted by IP below.
    }
  }
  return clientIpKey(req);
}
