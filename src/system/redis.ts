import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { Logger } from 'pino';

export type RedisClient = ReturnType<typeof createClient>;

/**
 * The one Redis connection an instance shares (rate-limit counters, realtime
 * publishes), plus a second one for SUBSCRIBE, which Redis puts in a mode where
 * it can run nothing else.
 */
export interface SharedRedis {
  client: RedisClient;
  /** Prepended to every key and channel, so several deployments (or test runs) can share one Redis. */
  prefix: string;
  /** Unique per process; lets an instance recognise its own publishes. */
  instanceId: string;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  close(): Promise<void>;
}

// At start, give up after ~5 s so a wrong REDIS_URL fails loudly; once up, reconnect forever.
const STARTUP_ATTEMPTS = 25;
const STARTUP_RETRY_MS = 200;

/**
 * Connects to REDIS_URL, or answers undefined when it is not set (single
 * instance: everything stays in process). Errors after start are logged and
 * never crash the process: while Redis is away, commands fail at once
 * (no offline queue, so no request waits on it) and the clients reconnect.
 */
export async function connectRedis(url: string | undefined, prefix: string, log: Logger): Promise<SharedRedis | undefined> {
  if (!url) return undefined;
  let connectedOnce = false;
  let reportedDown = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) => {
        if (!connectedOnce) return retries >= STARTUP_ATTEMPTS ? new Error('Redis at REDIS_URL is unreachable') : STARTUP_RETRY_MS;
        return Math.min(100 * (retries + 1), 2000);
      },
    },
  });
  const onError = (err: Error) => {
    // One line per outage, not one per reconnect attempt.
    if (reportedDown) return;
    reportedDown = true;
    log.error({ err: { message: err.message } }, 'redis connection error');
  };
  const onReady = () => {
    if (reportedDown) log.info('redis connection restored');
    reportedDown = false;
  };
  client.on('error', onError);
  client.on('ready', onReady);
  await client.connect();
  connectedOnce = true;

  let subscriber: RedisClient | undefined;
  return {
    client,
    prefix,
    instanceId: randomUUID(),
    async subscribe(channel, listener) {
      if (!subscriber) {
        subscriber = client.duplicate();
        subscriber.on('error', onError);
        await subscriber.connect();
      }
      // node-redis re-subscribes by itself after a reconnect.
      await subscriber.subscribe(channel, (message) => listener(message));
    },
    async close() {
      for (const c of [subscriber, client]) {
        if (!c?.isOpen) continue;
        await c.close().catch(() => c.destroy());
      }
    },
  };
}
