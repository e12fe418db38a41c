import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { persistedSecret } from './secrets.js';

/**
 * AES-256-GCM for secrets at rest (users' provider API keys). Each value gets
 * its own random 96-bit IV; the stored form is `v1:<iv>:<tag>:<ciphertext>` in base64.
 */
export interface Encryptor {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

/** The key: T66_ENCRYPTION_KEY (base64 or hex of 32 bytes, or any passphrase, hashed), else generated once into the data dir. */
export async function loadEncryptionKey(configured: string | undefined, dataDir: string): Promise<Buffer> {
  if (!configured) return persistedSecret(dataDir, 'encryption_key', 32);
  if (/^[0-9a-f]{64}$/i.test(configured)) return Buffer.from(configured, 'hex');
  const b64 = Buffer.from(configured, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/]{43}=?$/.test(configured)) return b64;
  return createHash('sha256').update(configured, 'utf8').digest();
}

export function createEncryptor(key: Buffer): Encryptor {
  if (key.length !== 32) throw new Error('encryption key must be 32 bytes');
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
    },
    decrypt(stored) {
      const [version, iv, tag, data] = stored.split(':');
      if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not an encrypted value');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    },
  };
}
