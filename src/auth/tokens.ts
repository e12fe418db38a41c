import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { randomUUID } from 'node:crypto';

export interface TokenClaims {
  userId: string;
  jti: string;
  expires: Date;
}

export interface TokenService {
  issue(userId: string): Promise<{ token: string; claims: TokenClaims }>;
  /** Verifies signature, algorithm and expiry; throws on anything else. Revocation is checked separately. */
  verify(token: string): Promise<TokenClaims>;
}

const ISSUER = 't66';

export function createTokenService(secret: Uint8Array, ttlSeconds: number): TokenService {
  return {
    async issue(userId) {
      const jti = randomUUID();
      const now = Math.floor(Date.now() / 1000);
      const exp = now + ttlSeconds;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setJti(jti)
        .setIssuer(ISSUER)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .sign(secret);
      return { token, claims: { userId, jti, expires: new Date(exp * 1000) } };
    },
    async verify(token) {
      // Only HS256 with our key: `alg: none` and other algorithms fail here.
      const { payload } = await jwtVerify(token, secret, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        requiredClaims: ['sub', 'jti', 'exp', 'iat'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') {
        throw new joseErrors.JWTClaimValidationFailed('malformed claims', payload);
      }
      return { userId: payload.sub, jti: payload.jti, expires: new Date(payload.exp * 1000) };
    },
  };
}

/** Accepts `Bearer <jwt>` and a bare `<jwt>`, as the PocketBase SDK sends it. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = header.trim();
  const bearer = /^Bearer\s+(.+)$/i.exec(value);
  const token = bearer ? bearer[1].trim() : value;
  return token.length > 0 && token.length < 4096 && !/\s/.test(token) ? token : undefined;
}
