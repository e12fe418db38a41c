import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import type { EventBus } from '../events/sink.js';
import type { DomainEvent } from '../events/types.js';
import type { Encryptor } from '../system/encryption.js';
import type { WebhookConfig } from './config.js';
import { writeOutbox } from './outbox.js';
import { createWebhookWorker, type WebhookWorker } from './worker.js';

/** After this long without queueing anything, a published event no longer wakes the worker early. */
const WAKE_WINDOW_MS = 10_000;

export interface WebhookRuntime {
  config: WebhookConfig;
  /** The outbox writer, for the event bus. */
  record(tx: Kysely<Database>, event: DomainEvent): Promise<void>;
  /** Starts the delivery worker and has it woken by commits that queued deliveries. */
  start(app: { db: Kysely<Database>; encryptor: Encryptor }, events: EventBus): void;
  stop(): Promise<void>;
}

export function createWebhookRuntime(config: WebhookConfig, log: Logger): WebhookRuntime {
  let worker: WebhookWorker | undefined;
  let unsubscribe: (() => void) | undefined;
  // An instance whose users have no webhooks should not poll on every message.
  let lastQueuedAt = 0;
  return {
    config,
    async record(tx, event) {
      if ((await writeOutbox(tx, event)) > 0) lastQueuedAt = Date.now();
    },
    start(app, events) {
      const started = createWebhookWorker({ db: app.db, encryptor: app.encryptor, log, config });
      worker = started;
      unsubscribe = events.subscribe((event) => {
        // Only these events queue deliveries; streamed deltas must not cost a query each.
        const queues = event.type === 'message.created' || event.type === 'chat.completed';
        if (queues && Date.now() - lastQueuedAt < WAKE_WINDOW_MS) started.wake();
      });
      started.start();
    },
    async stop() {
      unsubscribe?.();
      await worker?.stop();
    },
  };
}
