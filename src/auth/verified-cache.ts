import type { TokenClaims, TokenService } from './tokens.js';

/**
 * HS256 verification through jose costs tens of microseconds (WebCrypto), and
 * a client sends the same token on every request; on rate-limited routes the
 * limiter and the router both check it. This remembers tokens that verified,
 * keyed by the exact token string, so a repeat costs a map lookup. Expiry is
 * re-checked on every hit; revocation is checked by the caller as before.
 * Only successes are kept, so junk tokens cannot fill the cache.
 */
export function withVerifiedTokenCache(tokens: TokenService, maxEntries = 10_000): TokenService {
  const verified = new Map<string, TokenClaims>();
  return {
    issue: (userId) => tokens.issue(userId),
    async verify(token) {
      const known = verified.get(token);
      if (known) {
        if (known.expires.getTime() > Date.now()) return known;
        verified.delete(token);
      }
      const claims = await tokens.verify(token);
      if (verified.size >= maxEntries) verified.delete(verified.keys().next().value as string);
      verified.set(token, claims);
      return claims;
    },
  };
}
