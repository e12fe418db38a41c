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

/** A user's webhook; `secret` is AES-256-GCM ciphertext (app.encryptor). */
export interface WebhooksTable {
  id: string;
  user_id: string;
  url: string;
  events: ColumnType<string[], string[], string[]>;
  secret: string;
  secret_hint: string;
  created: Timestamp;
}

/** The webhook outbox: one row per event and webhook, `id` is the `webhook-id` header. */
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  user_id: string;
  event_type: string;
  payload: ColumnType<unknown, string, string>;
  status: Generated<'pending' | 'succeeded' | 'failed'>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp | null;
  /** A claim's lease: past it, a crashed instance's claim is taken again. */
  locked_until: Timestamp | null;
  claimed_by: string | null;
  response_status: number | null;
  duration_ms: number | null;
  error: string | null;
  created: Timestamp;
  last_attempt_at: Timestamp | null;
}

/** An uploaded or generated file's metadata; the bytes live in the storage backend under `storage_key`. */
export interface FilesTable {
  id: string;
  user_id: string;
  filename: string;
  /** bigint: PostgreSQL answers it as a number (pg type parser), PGlite as a number or bigint. */
  size: ColumnType<number | bigint | string, number, number>;
  type: string;
  storage_key: string;
  sha256: string;
  created: Timestamp;
}

/** One chat completion's accounting (src/completions/usage.ts); cost in USD from the catalogue's pricing. */
export interface UsageTable {
  id: string;
  user_id: string;
  request_id: string;
  model: string;
  provider: string;
  prompt_tokens: number;
  completion_tokens: number;
  cost: number;
  latency_ms: number;
  ttft_ms: number | null;
  status: 'ok' | 'error' | 'cancelled';
  created: Timestamp;
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
  usage: UsageTable;
  files: FilesTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
