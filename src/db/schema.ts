import type { ColumnType, Generated } from 'kysely';

/** A timestamptz column: read as Date, written as Date or ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  verified: Generated<boolean>;
  created: Timestamp;
  updated: Timestamp;
}

/** Revoked token ids (logout, refresh rotation); rows past `expires` are pruned. */
export interface RevokedTokensTable {
  jti: string;
  user_id: string;
  expires: Timestamp;
  revoked_at: Timestamp;
}

export interface UserSettingsTable {
  id: string;
  user_id: string;
  theme: string;
  default_model: string;
  /** Provider to AES-256-GCM ciphertext (see src/records/api-keys.ts). */
  api_keys: ColumnType<Record<string, string>, string, string>;
  created: Timestamp;
  updated: Timestamp;
}

export interface ChatsTable {
  id: string;
  user_id: string;
  title: string;
  settings: ColumnType<{ model: string; temperature: number; systemMessage: string }, string, string>;
  created: Timestamp;
  updated: Timestamp;
}

export interface MessagesTable {
  id: string;
  chat_id: string;
  user_id: string;
  content: string;
  role: string;
  attachments: ColumnType<string[], string[], string[]>;
  model: string | null;
  usage: ColumnType<Record<string, number> | null, string | null, string | null>;
  status: string | null;
  created: Timestamp;
  updated: Timestamp;
}

/**
 * The whole database. Each area adds its own tables here, next to a migration
 * of its own in src/db/migrations/.
 */
export interface Database {
  users: UsersTable;
  revoked_tokens: RevokedTokensTable;
  user_settings: UserSettingsTable;
  chats: ChatsTable;
  messages: MessagesTable;
}
