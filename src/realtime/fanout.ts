import type { Logger } from 'pino';
import type { SharedRedis } from '../system/redis.js';
import type { RoomDelivery } from './rooms.js';

/** Carries room deliveries to the sockets of every instance. */
export interface Fanout {
  publish(delivery: RoomDelivery): void;
}

interface Published extends RoomDelivery {
  origin: string;
}

/**
 * Without Redis, deliveries go straight to this instance's rooms. With it,
 * they are also published on one channel; each instance delivers what others
 * published and skips its own (already delivered locally, so a Redis outage
 * never silences the instance's own sockets).
 */
export async function createFanout(
  deliver: (delivery: RoomDelivery) => void,
  redis: SharedRedis | undefined,
  log: Logger,
): Promise<Fanout> {
  if (!redis) return { publish: deliver };
  const channel = `${redis.prefix}realtime`;
  await redis.subscribe(channel, (message) => {
    let published: Published;
    try {
      published = JSON.parse(message) as Published;
    } catch {
      return;
    }
    if (published.origin === redis.instanceId) return;
    const { origin: _origin, ...delivery } = published;
    deliver(delivery);
  });
  let failing = false;
  return {
    publish(delivery) {
      deliver(delivery);
      const message: Published = { ...delivery, origin: redis.instanceId };
      redis.client.publish(channel, JSON.stringify(message)).then(
        () => {
          failing = false;
        },
        (err: unknown) => {
          if (failing) return;
          failing = true;
          log.error({ err }, 'realtime publish to redis failed; other instances miss events until it recovers');
        },
      );
    },
  };
}
