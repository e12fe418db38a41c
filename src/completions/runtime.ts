import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { intFromEnv } from '../config.js';
import type { Database } from '../db/schema.js';
import { loadCatalogue, type Catalogue } from '../models/catalogue.js';
import { createUsageRecorder, type UsageRecorder } from './usage.js';
import { createUserKeyCache, type UserKeyCache } from './user-keys.js';

export interface UpstreamPolicy {
  /** Further attempts per model after the first, on 429, 5xx, timeouts and unreachable upstreams. */
  retries: number;
  /** First backoff; doubled per retry. */
  retryBaseMs: number;
  /** How long an upstream may take to answer, and to send each next piece of a stream. */
  timeoutMs: number;
  /** Silence after which an SSE stream gets a `: ping` comment. */
  pingMs: number;
}

/** What the completions area keeps for the server's lifetime: catalogue, policy, BYOK cache, usage buffer. */
export interface CompletionsRuntime {
  catalogue: Catalogue;
  policy: UpstreamPolicy;
  keys: UserKeyCache;
  usage: UsageRecorder;
  /** Flushes the usage buffer; called when the server closes. */
  close(): Promise<void>;
}

export function loadUpstreamPolicy(env: NodeJS.ProcessEnv): UpstreamPolicy {
  return {
    retries: intFromEnv(env, 'T66_UPSTREAM_RETRIES', 2),
    retryBaseMs: intFromEnv(env, 'T66_UPSTREAM_RETRY_BASE_MS', 250),
    timeoutMs: Math.max(1, intFromEnv(env, 'T66_UPSTREAM_TIMEOUT_MS', 600_000)),
    pingMs: Math.max(1, intFromEnv(env, 'T66_SSE_PING_MS', 15_000)),
  };
}

export function createCompletionsRuntime(
  env: NodeJS.ProcessEnv,
  db: Kysely<Database>,
  log: Logger,
  loadUserKeys: (userId: string) => Promise<Record<string, string>>,
): CompletionsRuntime {
  const usage = createUsageRecorder(db, log, {
    intervalMs: intFromEnv(env, 'T66_USAGE_FLUSH_MS', 1000),
    batchSize: 500,
  });
  const keys = createUserKeyCache(loadUserKeys);
  return {
    catalogue: loadCatalogue(env),
    policy: loadUpstreamPolicy(env),
    keys,
    usage,
    async close() {
      keys.close();
      await usage.close();
    },
  };
}
