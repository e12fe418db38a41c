import { describe, expect, it } from 'vitest';
import { createUserKeyCache, invalidateUserKeys } from '../../src/completions/user-keys.js';

/** A loader that counts its calls and answers what `keys` holds at call time. */
function loader(keys: Record<string, string>) {
  const calls: string[] = [];
  let release: () => void = () => {};
  let gate: Promise<void> | undefined;
  return {
    calls,
    hold() {
      gate = new Promise((r) => (release = r));
    },
    release: () => release(),
    load: async (userId: string) => {
      calls.push(userId);
      const snapshot = { ...keys };
      if (gate) await gate;
      return snapshot;
    },
  };
}

describe("the cache of users' own keys", () => {
  it('loads a user once within the TTL, so completions cost no database read', async () => {
    const source = loader({ openai: 'sk-1' });
    const cache = createUserKeyCache(source.load, 60_000);
    expect(await cache.get('user_a')).toEqual({ openai: 'sk-1' });
    expect(cache.get('user_a')).toEqual({ openai: 'sk-1' }); // answered synchronously from memory
    await Promise.all([cache.get('user_b'), cache.get('user_b')]);
    expect(source.calls).toEqual(['user_a', 'user_b']);
    cache.close();
  });

  it('reloads after the TTL', async () => {
    const source = loader({});
    const cache = createUserKeyCache(source.load, 1);
    await cache.get('user_a');
    await new Promise((r) => setTimeout(r, 5));
    await cache.get('user_a');
    expect(source.calls).toHaveLength(2);
    cache.close();
  });

  it('reloads at once after invalidateUserKeys, and never stores keys read before the change', async () => {
    const keys: Record<string, string> = { openai: 'old' };
    const source = loader(keys);
    const cache = createUserKeyCache(source.load, 60_000);
    source.hold();
    const racing = cache.get('user_a');
    keys.openai = 'new';
    invalidateUserKeys('user_a');
    source.release();
    expect(await racing).toEqual({ openai: 'old' });
    expect(await cache.get('user_a')).toEqual({ openai: 'new' });
    cache.close();
  });
});
