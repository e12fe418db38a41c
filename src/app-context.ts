import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database, } from './db/schema.js';
import type { DatabaseKind } from './db/database.js';
import type { TokenService } from './auth/tokens.js';
import type { RevocationList } from './auth/revocation.js';
import type { PasswordHasher } from './auth/passwords.js';
import type { EventBus } from './events/sink.js';
import type { CompletionsRuntime } from './completions/runtime.js';
import type { WebhookConfig } from './webhooks/config.js';
import type { Encryptor } from './system/encryption.js';
import type { FilesRuntime } from './files/settings.js';
import type { ImagesRuntime } from './images/catalogue.js';
import type { SearchRuntime } from './search/service.js';

/**
 * The long-lived parts of one running server, built once in src/server.ts.
 * Handlers read what they need from it; rules live in plain functions that take
 * only the parts they use.
 */
export interface AppContext {
  config: Config;
  log: Logger;
  db: Kysely<Database>;
  dbKind: DatabaseKind;
  tokens: TokenService;
  revocations: RevocationList;
  passwords: PasswordHasher;
  /** AES-256-GCM for secrets at rest (users' API keys). */
  encryptor: Encryptor;
  /** Where data changes are reported for webhooks and realtime; live consumers `subscribe` to it. */
  events: EventBus;
  webhookConfig: WebhookConfig;
  /** File storage (local disk or S3) and upload limits. */
  files: FilesRuntime;
  /** The image model catalogue and its providers. */
  images: ImagesRuntime;
  /** The configured web search provider, if any. */
  search: SearchRuntime;
  /** The model catalogue, upstream policy, BYOK key cache and usage buffer of chat completions. */
  completions: CompletionsRuntime;
  startedAt: number;
  version: string;
}
