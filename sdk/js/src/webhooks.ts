/** `client.webhooks` and `verifyWebhook`, the receiver's side of Standard Webhooks. */
import { createWebhook, deleteWebhook, listWebhookDeliveries, listWebhooks } from './generated/sdk.gen.js';
import type { WebhookCreate, WebhookCreated, WebhookDeliveryList, WebhookList } from './generated/types.gen.js';
import { WebhookVerificationError } from './errors.js';
import { unwrap, unwrapEmpty, type Transport } from './http.js';

export interface Webhooks {
  /** Registers a webhook. The answer holds the signing `secret` in clear, this once: keep it. */
  create(body: WebhookCreate): Promise<WebhookCreated>;
  list(): Promise<WebhookList>;
  delete(id: string): Promise<void>;
  /** Recent delivery attempts, newest first. */
  deliveries(id: string): Promise<WebhookDeliveryList>;
}

export function createWebhooks({ client }: Transport): Webhooks {
  return {
    create: (body) => unwrap(createWebhook({ client, body })),
    list: () => unwrap(listWebhooks({ client })),
    delete: (id) => unwrapEmpty(deleteWebhook({ client, path: { id } })),
    deliveries: (id) => unwrap(listWebhookDeliveries({ client, path: { id } })),
  };
}

/** The body of a webhook delivery, per asyncapi.yaml. */
export interface WebhookEvent<T = Record<string, unknown>> {
  type: 'chat.message.created' | 'chat.completed' | (string & {});
  timestamp: string;
  data: T;
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** How far `webhook-timestamp` may be from now, in seconds (default 300, as Standard Webhooks says). */
  toleranceSeconds?: number;
  /** The current time in milliseconds, for tests. */
  now?: number;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * The HMAC key of a secret, as T66 signs with it: a Standard Webhooks `whsec_<base64>` secret
 * (what T66 generates) is the bytes the base64 decodes to; any other secret you chose at
 * registration is its UTF-8 bytes.
 */
function signingKey(secret: string): Uint8Array {
  if (!secret.startsWith('whsec_')) return new TextEncoder().encode(secret);
  try {
    return base64ToBytes(secret.slice('whsec_'.length));
  } catch {
    throw new WebhookVerificationError('The secret starts with whsec_ but is not valid base64');
  }
}

/** Compares without stopping at the first difference, so timing does not tell how much matched. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/**
 * Verifies a webhook delivery (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) and answers its parsed body. Pass the raw body exactly as received, not a
 * re-serialised object. Uses WebCrypto, so it runs in browsers, workers, Deno and Node alike.
 * Throws WebhookVerificationError when a header is missing, the timestamp is outside the
 * tolerance, or no signature matches.
 */
export async function verifyWebhook<T = Record<string, unknown>>(
  payload: string | Uint8Array | ArrayBuffer,
  headers: WebhookHeaders,
  secret: string,
  options: VerifyOptions = {},
): Promise<WebhookEvent<T>> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature');
  if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError('webhook-timestamp is not a number of seconds');

  const tolerance = options.toleranceSeconds ?? 300;
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const sentAt = Number(timestamp);
  if (nowSeconds - sentAt > tolerance) throw new WebhookVerificationError('Message timestamp too old');
  if (sentAt - nowSeconds > tolerance) throw new WebhookVerificationError('Message timestamp too new');

  const body = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload instanceof ArrayBuffer ? new Uint8Array(payload) : payload;
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);

  const key = await crypto.subtle.importKey('raw', signingKey(secret).slice(), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const expected = `v1,${bytesToBase64(new Uint8Array(await crypto.subtle.sign('HMAC', key, signed)))}`;
  // The header may list several signatures (e.g. during a secret rotation): any one may match.
  if (!signatures.split(' ').some((candidate) => constantTimeEqual(candidate, expected))) {
    throw new WebhookVerificationError('No matching signature found');
  }
  const text = new TextDecoder().decode(body);
  try {
    return JSON.parse(text) as WebhookEvent<T>;
  } catch {
    throw new WebhookVerificationError('The signed body is not JSON');
  }
}
