import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import swaggerUi from 'swagger-ui-express';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import type { AppContext } from './app-context.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { createTokenService } from './auth/tokens.js';
import { createRevocationList } from './auth/revocation.js';
import { createPasswordHasher } from './auth/passwords.js';
import { persistedSecret } from './system/secrets.js';
import { createEncryptor, loadEncryptionKey } from './system/encryption.js';
import { createEventBus } from './events/sink.js';
import { connectRedis } from './system/redis.js';
import { withVerifiedTokenCache } from './auth/verified-cache.js';
import { createRealtime } from './realtime/socket-server.js';
import { loadRealtimeConfig } from './realtime/config.js';
import { rateLimits } from './ratelimit/limiters.js';
import { loadRateLimitConfig } from './ratelimit/config.js';
import { createWebhookRuntime } from './webhooks/runtime.js';
import { loadWebhookConfig } from './webhooks/config.js';
import { createFilesRuntime } from './files/settings.js';
import { multipartPlaceholder } from './files/upload.js';
import { createImagesRuntime } from './images/catalogue.js';
import { createSearchRuntime } from './search/service.js';
import { loadSpec } from './http/spec.js';
import { createRouter, sendError } from './http/router.js';
import { errorHandler, jsonBody, requestContext } from './http/middleware.js';
import { ApiError } from './http/errors.js';
import { answerClientError } from './http/client-errors.js';
import { handlers } from './handlers.js';
import { createCompletionsRuntime } from './completions/runtime.js';
import { getUserApiKeys } from './records/api-keys.js';
import { completionsFastPath, type FastPathParts } from './completions/fast-path.js';

export interface RunningServer {
  url: string;
  context: AppContext;
  server: http.Server;
  close(): Promise<void>;
}

export function createLogger(config: Config): Logger {
  // Lines are written in blocks of 4 KB, and at least every second: one write
  // per request line would cost a syscall and a thread-pool round trip each.
  // pino flushes what is left when the process exits.
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Closed at exit: nothing left to write.
    }
  }, 1000).unref();
  return pino(
    {
      level: config.logLevel,
      // Belt and braces: these never belong in a log line.
      redact: ['req.headers.authorization', '*.password', '*.api_keys', '*.secret', '*.token'],
    },
    destination,
  );
}

async function jwtSecret(config: Config): Promise<Uint8Array> {
  if (config.jwtSecret) return new TextEncoder().encode(config.jwtSecret);
  return persistedSecret(config.dataDir, 'jwt_secret', 64);
}

export async function startServer(config: Config, log: Logger = createLogger(config)): Promise<RunningServer> {
  const rateLimitConfig = loadRateLimitConfig(config.env);
  const realtimeConfig = loadRealtimeConfig(config.env);
  // Shared state between instances (realtime fan-out, rate-limit counters); in process when REDIS_URL is unset.
  const redis = await connectRedis(config.env.REDIS_URL, config.env.T66_REDIS_PREFIX || 't66:', log);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: path.join(config.dataDir, 'pglite'),
    pgliteSharedBuffers: config.pgliteSharedBuffers,
  });
  await migrateToLatest(database.db);
  if (config.databaseUrl && !config.jwtSecret) {
    log.warn('JWT_SECRET is not set: tokens are signed with a key from this instance\'s data dir, so other instances will not accept them');
  }
  const revocations = createRevocationList(database.db, 1000);
  await revocations.start();
  const webhooks = createWebhookRuntime(loadWebhookConfig(config.env), log);
  const events = createEventBus([webhooks.record], log);
  const context: AppContext = {
    config,
    log,
    db: database.db,
    dbKind: database.kind,
    tokens: withVerifiedTokenCache(createTokenService(await jwtSecret(config), config.jwtTtlSeconds)),
    revocations,
    passwords: await createPasswordHasher(config.argon2MemoryKib),
    encryptor: createEncryptor(await loadEncryptionKey(config.env.T66_ENCRYPTION_KEY, config.dataDir)),
    events,
    webhookConfig: webhooks.config,
    files: await createFilesRuntime(config.env, config.dataDir),
    images: createImagesRuntime(config.env),
    search: createSearchRuntime(config.env),
    // The key loader reads through the finished context; it only runs once requests arrive.
    completions: createCompletionsRuntime(config.env, database.db, log, (userId) => getUserApiKeys(context, userId)),
    startedAt: Date.now(),
    version: process.env.npm_package_version ?? '0.1.0',
  };

  const spec = loadSpec();
  const app = express();
  app.disable('x-powered-by');
  // Express would put a weak ETag on every JSON answer (hashing each body) and turn a matching
  // GET into a 304 the contract does not declare. File downloads set their own strong ETags.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy ? parseTrustProxy(config.trustProxy) : false);
  app.set('query parser', 'simple');
  app.use(requestContext(log));
  app.get('/api/openapi.yaml', (_req, res) => res.type('application/yaml').send(spec.yamlText));
  app.get('/api/openapi.json', (_req, res) => res.json(spec.document));
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(undefined, { swaggerOptions: { url: '/api/openapi.json' } }));
  app.use('/api', ...jsonBody(config.maxJsonBytes));
  // The upload handler reads its multipart body itself, after authentication.
  app.post('/api/files/upload', multipartPlaceholder);
  const limits = rateLimits(context, rateLimitConfig, redis);
  app.use(limits.router);
  const router = await createRouter(context, spec, handlers);
  app.use(router.handle);
  app.use((_req, res) => sendError(res, new ApiError(404, 'not_found', 'No such route')));
  app.use(errorHandler);

  const realtime = await createRealtime(context, realtimeConfig, redis);
  context.events.subscribe(realtime.onEvent);
  // The hot route skips Express when it can answer exactly as Express would (see fast-path.ts).
  const fastPath = completionsFastPath({
    app: context,
    validateBody: router.validateBody,
    counter: limits.completions,
    trustProxy: app.get('trust proxy fn') as FastPathParts['trustProxy'],
  });
  const serve = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!fastPath(req, res)) app(req, res);
  };
  const server = http.createServer(serve);
  // An Expect other than 100-continue: RFC 9110 lets a server ignore it; Node alone would answer a bare 417.
  server.on('checkExpectation', serve);
  server.on('upgrade', realtime.handleUpgrade);
  server.keepAliveTimeout = 65_000;
  // Slow or stalled clients must not hold sockets for minutes: headers within 20 s, a whole request
  // body (uploads included) within 2 minutes. Responses, such as long SSE streams, are not limited.
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  webhooks.start(context, events);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // WebSockets first (1001): the HTTP server cannot finish closing while they are open.
      await realtime.close();
      // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      force.unref();
      await closed;
      clearTimeout(force);
      await webhooks.stop();
      // Usage rows still buffered in memory go to the database before it closes.
      await context.completions.close();
      revocations.stop();
      await redis?.close();
      await database.close();
    })());

  return { url, context, server, close };
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
