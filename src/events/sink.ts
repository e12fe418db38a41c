import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import type { DomainEvent, EventSink } from './types.js';

/** A durable consumer: writes what it needs inside the transaction that stores the change. */
export type EventRecorder = (tx: Kysely<Database>, event: DomainEvent) => Promise<unknown>;

/** A live consumer: hears each event after its transaction committed. */
export type EventListener = (event: DomainEvent) => void;

/** The app's event sink, to which live consumers (realtime fan-out, the webhook worker's wake-up) subscribe at runtime. */
export interface EventBus extends EventSink {
  /** Adds a listener; answers the function that removes it. */
  subscribe(listener: EventListener): () => void;
}

export function createEventBus(recorders: EventRecorder[], log: Logger): EventBus {
  const listeners = new Set<EventListener>();
  return {
    async record(tx, event) {
      for (const recorder of recorders) await recorder(tx, event);
    },
    publish(event) {
      for (const listener of listeners) {
        // The change is committed and the caller's answer must not depend on a listener.
        try {
          listener(event);
        } catch (err) {
          log.error({ err, event: event.type }, 'event listener failed');
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
