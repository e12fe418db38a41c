import type { AppContext } from '../app-context.js';
import type { Encryptor } from '../system/encryption.js';

/**
 * Users' provider API keys. Stored in user_settings.api_keys as
 * `{ "<provider>": encryptor.encrypt(<plain key>) }` — one ciphertext per
 * provider, each with its own IV. Other areas (BYOK completions) read it
 * through `getUserApiKeys`, so this format is a shared contract.
 */

/** The caller's keys in clear, provider by provider. Values that do not decrypt (key rotated, tampered) are left out. */
export async function getUserApiKeys(app: AppContext, userId: string): Promise<Record<string, string>> {
  const row = await app.db
    .selectFrom('user_settings')
    .select('api_keys')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) return {};
  return decryptApiKeys(app.encryptor, row.api_keys, app.log);
}

export function decryptApiKeys(
  encryptor: Encryptor,
  stored: Record<string, string>,
  log?: { warn(obj: object, msg: string): void },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [provider, cipherText] of Object.entries(stored ?? {})) {
    try {
      out[provider] = encryptor.decrypt(cipherText);
    } catch {
      log?.warn({ provider }, 'stored API key does not decrypt with the current encryption key; ignoring it');
    }
  }
  return out;
}

/**
 * What reads show instead of a key: the first few characters of its prefix and
 * the last four, e.g. `sk-…abcd`. Keys too short to hide anything are masked fully.
 */
export function maskApiKey(plain: string): string {
  const chars = [...plain];
  if (chars.length < 12) return '****';
  const dash = plain.indexOf('-');
  const prefix = dash > 0 && dash <= 6 ? plain.slice(0, dash + 1) : chars.slice(0, 3).join('');
  return `${prefix}…${chars.slice(-4).join('')}`;
}
