import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database, } from './db/schema.js';
import type { DatabaseKind } from './db/database.js';
import type { TokenService } from './auth/tokens.js';
import type { RevocationList } from './auth/revocation.js';
import type { PasswordHasher } from './auth/passwords.js';
import type { EventSink } from './events/types.js';
import type { Encryptor } from './system/encryption.js';

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
  /** Where data changes are reported for webhooks and realtime. */
  events: EventSink;
  startedAt: number;
  version: string;
}
