import { createHmac, randomBytes } from 'node:crypto';

/**
 * Signing secrets. A secret of the Standard Webhooks form `whsec_<base64>` signs
 * with the bytes the base64 decodes to, so a receiver passes it unchanged to
 * `new Webhook(secret)`. Any other secret (such as the seed's "webhook_secret")
 * signs with its UTF-8 bytes; the receiver then uses
 * `new Webhook('whsec_' + Buffer.from(secret).toString('base64'))`.
 */
const PREFIX = 'whsec_';

export function generateSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** Why a secret cannot be used, or undefined when it can. */
export function secretProblem(secret: string): string | undefined {
  if (!secret.startsWith(PREFIX)) return undefined;
  const encoded = secret.slice(PREFIX.length);
  const decoded = Buffer.from(encoded, 'base64');
  if (decoded.length === 0 || decoded.toString('base64') !== encoded) {
    return 'a secret starting with whsec_ must continue with standard, padded base64';
  }
  return undefined;
}

export function signingKey(secret: string): Buffer {
  return secret.startsWith(PREFIX) ? Buffer.from(secret.slice(PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** The `webhook-signature` value: `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`. */
export function sign(key: Buffer, messageId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.`).update(body, 'utf8').digest('base64');
  return `v1,${mac}`;
}

export function secretHint(secret: string): string {
  return `…${secret.slice(-4)}`;
}
