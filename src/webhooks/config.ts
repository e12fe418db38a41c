import { intFromEnv } from '../config.js';

/** Webhook settings, read from the environment (see README "Webhooks"). */
export interface WebhookConfig {
  /** Per attempt: connect, send and receive the response status. */
  timeoutMs: number;
  maxAttempts: number;
  /** Delay before the 2nd attempt; each later one waits 4 times longer, up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  pollMs: number;
  /** Deliveries one instance sends at once. */
  concurrency: number;
  maxPerUser: number;
  /** Succeeded and failed deliveries older than this are deleted. */
  retentionDays: number;
  /** Lets URLs resolve to loopback, private and link-local addresses (tests, private networks). */
  allowPrivate: boolean;
}

export function loadWebhookConfig(env: NodeJS.ProcessEnv): WebhookConfig {
  const positive = (name: string, fallback: number) => Math.max(1, intFromEnv(env, name, fallback));
  return {
    timeoutMs: positive('T66_WEBHOOK_TIMEOUT_MS', 10_000),
    maxAttempts: positive('T66_WEBHOOK_MAX_ATTEMPTS', 8),
    backoffMs: positive('T66_WEBHOOK_BACKOFF_MS', 5_000),
    maxBackoffMs: positive('T66_WEBHOOK_BACKOFF_MAX_MS', 6 * 3600_000),
    pollMs: positive('T66_WEBHOOK_POLL_MS', 500),
    concurrency: positive('T66_WEBHOOK_CONCURRENCY', 10),
    maxPerUser: positive('T66_WEBHOOK_MAX_PER_USER', 20),
    retentionDays: positive('T66_WEBHOOK_RETENTION_DAYS', 30),
    allowPrivate: env.T66_WEBHOOK_ALLOW_PRIVATE === 'true',
  };
}

/**
 * How long a claim holds before another instance may take the delivery again.
 * An attempt ends within timeoutMs, so only a crashed or frozen instance outlives it.
 */
export function leaseMs(config: WebhookConfig): number {
  return config.timeoutMs + 5_000;
}
