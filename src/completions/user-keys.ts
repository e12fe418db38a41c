type Keys = Readonly<Record<string, string>>;

/**
 * Users' own provider keys (BYOK), held in memory for a short while so the
 * common completion costs no database round-trip. A change to a user's
 * settings calls `invalidateUserKeys` on this instance; other instances see it
 * once the entry expires.
 */
export interface UserKeyCache {
  get(userId: string): Keys | Promise<Keys>;
  invalidate(userId: string): void;
  close(): void;
}

export const USER_KEYS_TTL_MS = 5000;
const MAX_ENTRIES = 10_000;

const liveCaches = new Set<UserKeyCache>();

/** Forget a user's cached keys (on every running server of this process); records calls it when user_settings change. */
export function invalidateUserKeys(userId: string): void {
  for (const cache of liveCaches) cache.invalidate(userId);
}

export function createUserKeyCache(load: (userId: string) => Promise<Keys>, ttlMs = USER_KEYS_TTL_MS): UserKeyCache {
  const entries = new Map<string, { keys: Keys; expires: number }>();
  const loading = new Map<string, Promise<Keys>>();
  // Bumped by invalidate, so a load that started before the change cannot store stale keys.
  const generations = new Map<string, number>();

  const cache: UserKeyCache = {
    get(userId) {
      const hit = entries.get(userId);
      if (hit && hit.expires > Date.now()) return hit.keys;
      const pending = loading.get(userId);
      if (pending) return pending;
      const generation = generations.get(userId) ?? 0;
      const load$ = load(userId)
        .then((keys) => {
          if ((generations.get(userId) ?? 0) === generation) {
            if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
            entries.delete(userId);
            entries.set(userId, { keys, expires: Date.now() + ttlMs });
          }
          return keys;
        })
        .finally(() => {
          if (loading.get(userId) === load$) loading.delete(userId);
        });
      loading.set(userId, load$);
      return load$;
    },
    invalidate(userId) {
      entries.delete(userId);
      loading.delete(userId);
      // Bounded: forgetting generations can only let one racing load store keys for TTL ms.
      if (generations.size >= MAX_ENTRIES) generations.clear();
      generations.set(userId, (generations.get(userId) ?? 0) + 1);
    },
    close() {
      liveCaches.delete(cache);
      entries.clear();
    },
  };
  liveCaches.add(cache);
  return cache;
}
