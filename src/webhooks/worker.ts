import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import type { Encryptor } from '../system/encryption.js';
import { leaseMs, type WebhookConfig } from './config.js';
import { claimDueDeliveries, pruneDeliveries, recordAttempt, releaseClaim, type AttemptOutcome, type ClaimedDelivery } from './queries.js';
import { postWebhook, type SendResult } from './send.js';
import { sign, signingKey } from './secrets.js';
import type { WebhookPayload } from './outbox.js';

export interface WebhookWorker {
  start(): void;
  /** Looks for due deliveries now rather than at the next poll (something was just committed). */
  wake(): void;
  /** Stops claiming and waits for the attempts in flight (each ends within the timeout) to be recorded. */
  stop(): Promise<void>;
}

export interface WorkerDeps {
  db: Kysely<Database>;
  encryptor: Encryptor;
  log: Logger;
  config: WebhookConfig;
}

const PRUNE_EVERY_MS = 3600_000;

/** Exponential backoff with ±20% jitter: base, 4×base, 16×base … capped. `attempt` counts attempts made so far. */
export function retryDelayMs(attempt: number, config: WebhookConfig, random: () => number = Math.random): number {
  const exponential = Math.min(config.maxBackoffMs, config.backoffMs * 4 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.8 + 0.4 * random()));
}

export function outcomeOf(result: SendResult, attempt: number, config: WebhookConfig): AttemptOutcome {
  const common = { responseStatus: result.status, durationMs: result.durationMs, error: result.error };
  if (result.ok) return { ...common, status: 'succeeded', retryInMs: null };
  if (attempt >= config.maxAttempts) return { ...common, status: 'failed', retryInMs: null };
  return { ...common, status: 'pending', retryInMs: retryDelayMs(attempt, config) };
}

/** The exact bytes POSTed: `{type, timestamp, data}` in the order the spec shows. */
function bodyOf(payload: unknown): string {
  const { type, timestamp, data } = payload as WebhookPayload;
  return JSON.stringify({ type, timestamp, data });
}

/**
 * Sends the outbox. Each instance runs one worker; any number of them can share
 * a database, because a delivery is only ever sent by the instance holding its claim.
 */
export function createWebhookWorker({ db, encryptor, log, config }: WorkerDeps): WebhookWorker {
  // Names this instance's claims in the outbox (`claimed_by`); unique per process start.
  const instanceId = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const inFlight = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let claiming: Promise<void> | undefined;
  let wakeWhenClaimed = false;
  let backlog = false;
  let stopped = true;
  let pruner: NodeJS.Timeout | undefined;
  let pruning: Promise<unknown> | undefined;

  const prune = () => {
    const before = new Date(Date.now() - config.retentionDays * 86_400_000);
    pruning = pruneDeliveries(db, before).catch((err: unknown) => log.warn({ err }, 'could not prune old webhook deliveries'));
  };

  const schedule = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => void tick(), ms);
    timer.unref();
  };

  async function send(delivery: ClaimedDelivery): Promise<void> {
    let result: SendResult;
    try {
      const body = bodyOf(delivery.payload);
      const timestamp = Math.floor(Date.now() / 1000);
      const key = signingKey(encryptor.decrypt(delivery.secret));
      const headers = {
        'user-agent': 'T66-Webhooks',
        'webhook-id': delivery.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign(key, delivery.id, timestamp, body),
      };
      result = await postWebhook(delivery.url, headers, body, { timeoutMs: config.timeoutMs, allowPrivate: config.allowPrivate });
    } catch (err) {
      result = { ok: false, status: null, durationMs: 0, error: 'could not prepare the request' };
      log.error({ err, delivery: delivery.id }, 'webhook delivery failed before sending');
    }
    const outcome = outcomeOf(result, delivery.attempts, config);
    await recordAttempt(db, delivery.id, instanceId, outcome);
    log.debug({ delivery: delivery.id, webhook: delivery.webhook_id, status: outcome.status, code: result.status }, 'webhook attempt');
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    if (claiming) {
      wakeWhenClaimed = true;
      return;
    }
    const free = config.concurrency - inFlight.size;
    if (free <= 0) return schedule(config.pollMs); // a finishing attempt also wakes the worker
    claiming = claimAndSend(free).finally(() => {
      claiming = undefined;
    });
    await claiming;
    if (stopped) return;
    const again = wakeWhenClaimed || backlog;
    wakeWhenClaimed = false;
    schedule(again ? 0 : config.pollMs);
  }

  async function claimAndSend(free: number): Promise<void> {
    let claimed: ClaimedDelivery[] = [];
    try {
      claimed = await claimDueDeliveries(db, instanceId, free, leaseMs(config));
    } catch (err) {
      if (!stopped) log.warn({ err }, 'could not claim webhook deliveries');
    }
    backlog = claimed.length === free;
    for (const delivery of claimed) {
      const attempt = stopped ? releaseClaim(db, delivery.id, instanceId) : send(delivery);
      const job = attempt
        .catch((err: unknown) => log.error({ err, delivery: delivery.id }, 'could not record a webhook attempt'))
        .finally(() => {
          inFlight.delete(delivery.id);
          if (backlog) wake();
        });
      inFlight.set(delivery.id, job);
    }
  }

  function wake() {
    if (stopped) return;
    if (claiming) wakeWhenClaimed = true;
    else schedule(0);
  }

  return {
    start() {
      stopped = false;
      schedule(0);
      prune();
      pruner = setInterval(prune, PRUNE_EVERY_MS);
      pruner.unref();
    },
    wake,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(pruner);
      await claiming;
      await pruning;
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}
