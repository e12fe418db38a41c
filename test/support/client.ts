import { createClient, type Client } from '../../generated/client/index.js';

/**
 * The generated fetch client, pointed at a test server. Its fetch is the
 * global one, which setup.ts wraps with the contract check.
 */
export function apiClient(api: string, token?: string): Client {
  return createClient({
    baseUrl: api,
    fetch: (...args) => globalThis.fetch(...args),
    ...(token ? { auth: () => token, headers: { Authorization: `Bearer ${token}` } } : {}),
  });
}

/** Plain JSON request for the cases a typed client cannot send (malformed bodies, odd headers). */
export async function raw(
  api: string,
  method: string,
  path: string,
  options: { token?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; json: any; text: string }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${api}${path}`, { method, headers, body: options.body as BodyInit | undefined });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}
