import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { T66Client, type T66ClientOptions } from '../../sdk/js/src/index.js';
import type { TestServer } from '../support/server.js';

/**
 * A T66Client pointed at a test server, the way an app builds one. On Node 20 there is no global
 * WebSocket, so `ws` is passed in; on Node 22+ the SDK's default (the global one) is what runs.
 */
export function sdkClient(server: TestServer, options: Partial<T66ClientOptions> = {}): T66Client {
  const hasGlobalWebSocket = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';
  return new T66Client({
    apiUrl: server.url,
    ...(hasGlobalWebSocket ? {} : { WebSocket }),
    ...options,
  });
}

let counter = 0;

export function uniqueEmail(): string {
  return `sdk${++counter}.${randomBytes(4).toString('hex')}@example.com`;
}

/** A client that registered a fresh user through the SDK and holds its token. */
export async function signedUpClient(server: TestServer, options: Partial<T66ClientOptions> = {}) {
  const client = sdkClient(server, options);
  const email = uniqueEmail();
  const password = 'correct horse battery';
  const { user } = await client.auth.register({ email, password, name: 'SDK User' });
  return { client, user, email, password };
}

/** Waits until `condition` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
