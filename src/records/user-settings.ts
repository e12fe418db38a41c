import { sql, type Kysely, type Selectable } from 'kysely';
import type { AppContext } from '../app-context.js';
import type { Database, UserSettingsTable } from '../db/schema.js';
import type { UserSettings, UserSettingsUpdate } from '../../generated/types.gen.js';
import type { Encryptor } from '../system/encryption.js';
import { newId } from '../db/ids.js';
import { badRequest, conflict, forbidden, notFound } from '../http/errors.js';
import type { FieldSchema } from './filter/fields.js';
import { listEnvelope, pageAndTotal, type ListEnvelope, type ListPlan } from './list.js';
import { assertOwnUser } from './chats.js';
import { maskApiKey } from './api-keys.js';
import { invalidateUserKeys } from '../completions/user-keys.js';

export type UserSettingsRow = Selectable<UserSettingsTable>;

/** Most providers one user may keep keys for. */
export const MAX_API_KEYS = 50;
const PROVIDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const userSettingsFields: FieldSchema = {
  id: { kind: 'scalar', type: 'text', sql: sql.ref('user_settings.id'), nullable: false, sortable: true },
  user: { kind: 'scalar', type: 'text', sql: sql.ref('user_settings.user_id'), nullable: false, sortable: true },
  theme: { kind: 'scalar', type: 'text', sql: sql.ref('user_settings.theme'), nullable: false, sortable: true },
  default_model: { kind: 'scalar', type: 'text', sql: sql.ref('user_settings.default_model'), nullable: false, sortable: true },
  created: { kind: 'scalar', type: 'date', sql: sql.ref('user_settings.created'), nullable: false, sortable: true },
  updated: { kind: 'scalar', type: 'date', sql: sql.ref('user_settings.updated'), nullable: false, sortable: true },
};

/** The record as answered: keys masked, never in clear. */
export function toUserSettings(row: UserSettingsRow, encryptor: Encryptor): UserSettings {
  const apiKeys: Record<string, string> = {};
  for (const [provider, stored] of Object.entries(row.api_keys ?? {})) {
    let plain: string | undefined;
    try {
      plain = encryptor.decrypt(stored);
    } catch {
      // Encrypted under another key (T66_ENCRYPTION_KEY changed): show that a key exists, nothing more.
    }
    apiKeys[provider] = plain === undefined ? '****' : maskApiKey(plain);
  }
  return {
    id: row.id,
    user: row.user_id,
    theme: row.theme as UserSettings['theme'],
    default_model: row.default_model,
    api_keys: apiKeys,
    created: row.created.toISOString(),
    updated: row.updated.toISOString(),
  };
}

export async function getOwnedUserSettings(db: Kysely<Database>, userId: string, id: string) {
  return db
    .selectFrom('user_settings')
    .selectAll()
    .where('user_settings.id', '=', id)
    .where('user_settings.user_id', '=', userId)
    .executeTakeFirst();
}

export async function listUserSettings(app: AppContext, userId: string, plan: ListPlan): Promise<ListEnvelope<UserSettings>> {
  let scope = app.db.selectFrom('user_settings').where('user_settings.user_id', '=', userId);
  if (plan.where) scope = scope.where(plan.where);
  let items = scope.selectAll('user_settings').limit(plan.perPage).offset(plan.offset);
  for (const term of plan.orderBy) items = items.orderBy(term.expr, term.direction);
  const [rows, total] = await pageAndTotal(
    plan,
    () => items.execute(),
    () => scope.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  );
  return listEnvelope(
    plan,
    rows.map((row) => toUserSettings(row, app.encryptor)),
    total,
  );
}

/**
 * The api_keys part of a PATCH as one JSON object to merge into the stored
 * map: new keys encrypted, removals as null (stripped after the merge).
 * `null` or '' removes a provider's key; a masked value (as reads answer it)
 * leaves the stored key as it is, so a client can send back what it read.
 */
export function apiKeysPatch(encryptor: Encryptor, input: Record<string, string | null>): Record<string, string | null> {
  const patch: Record<string, string | null> = {};
  for (const [provider, value] of Object.entries(input)) {
    if (!PROVIDER_NAME.test(provider)) {
      throw badRequest(`"${provider}" is not a valid provider name`, {
        errors: [{ path: `/api_keys/${provider}`, message: 'must be 1-64 letters, digits, "_", "." or "-"' }],
      });
    }
    if (value === null || value === '') patch[provider] = null;
    else if (value.includes('…') || /^\*+$/.test(value)) continue;
    else patch[provider] = encryptor.encrypt(value);
  }
  return patch;
}

export async function updateUserSettings(
  app: AppContext,
  userId: string,
  id: string,
  body: UserSettingsUpdate,
): Promise<UserSettings> {
  assertOwnUser(body.user, userId);
  const keys = body.api_keys ? apiKeysPatch(app.encryptor, body.api_keys) : undefined;
  const row = await app.db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('user_settings')
      .set({
        ...(body.theme !== undefined ? { theme: body.theme } : {}),
        ...(body.default_model !== undefined ? { default_model: body.default_model } : {}),
        ...(keys ? { api_keys: sql<string>`jsonb_strip_nulls(user_settings.api_keys || ${JSON.stringify(keys)}::jsonb)` } : {}),
        updated: new Date(),
      })
      .where('user_settings.id', '=', id)
      .where('user_settings.user_id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw notFound();
    if (Object.keys(updated.api_keys).length > MAX_API_KEYS) {
      throw badRequest(`At most ${MAX_API_KEYS} providers can have keys`, {
        errors: [{ path: '/api_keys', message: `more than ${MAX_API_KEYS} providers` }],
      });
    }
    return updated;
  });
  // Completions cache each user's keys; a change must apply to the next request on this instance
  // (other instances pick it up when their short cache entry expires).
  if (keys) invalidateUserKeys(userId);
  return toUserSettings(row, app.encryptor);
}

/** Every user gets their record at registration, so this only succeeds if it is missing. */
export async function createUserSettings(app: AppContext, userId: string, body: UserSettingsUpdate): Promise<UserSettings> {
  assertOwnUser(body.user, userId);
  const keys = body.api_keys ? apiKeysPatch(app.encryptor, body.api_keys) : {};
  const stored = Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== null));
  const now = new Date();
  const row = await app.db
    .insertInto('user_settings')
    .values({
      id: newId('set'),
      user_id: userId,
      theme: body.theme ?? 'system',
      default_model: body.default_model ?? '',
      api_keys: JSON.stringify(stored),
      created: now,
      updated: now,
    })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw conflict('already_exists', 'You already have a settings record; update it with PATCH');
  invalidateUserKeys(userId);
  return toUserSettings(row, app.encryptor);
}

/** The record lives as long as its user: deleting one's own answers 403, anyone else's 404. */
export async function refuseUserSettingsDelete(db: Kysely<Database>, userId: string, id: string): Promise<never> {
  const own = await getOwnedUserSettings(db, userId, id);
  if (!own) throw notFound();
  throw forbidden('Settings cannot be deleted; update them with PATCH instead');
}
