/**
 * SDK clients are reused per (base URL, key, timeout): building one per request
 * costs time on the hot path and throws away its connection pool. A user's own
 * key (BYOK) gets its own client; the oldest are dropped past `limit`.
 */
export function createClientPool<Client>(
  make: (baseURL: string | undefined, apiKey: string, timeoutMs: number) => Client,
  limit = 256,
): (baseURL: string | undefined, apiKey: string, timeoutMs: number) => Client {
  const clients = new Map<string, Client>();
  return (baseURL, apiKey, timeoutMs) => {
    const key = `${baseURL ?? ''}\n${timeoutMs}\n${apiKey}`;
    let client = clients.get(key);
    if (client === undefined) {
      if (clients.size >= limit) clients.delete(clients.keys().next().value as string);
      client = make(baseURL, apiKey, timeoutMs);
      clients.set(key, client);
    }
    return client;
  };
}
