import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database, } from './db/schema.js';
import type { DatabaseKind } from './db/database.js';
import type { TokenService } from './auth/tokens.js';
import type { RevocationList } from './auth/revocation.js';
import type { PasswordHasher } from './auth/passwords.js';

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
  startedAt: number;
  version: string;
}
