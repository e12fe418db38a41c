import type { AppContext } from '../app-context.js';
import { ApiError } from '../http/errors.js';
import type { AuthUser } from '../http/handler-types.js';
import { tokenFromHeader } from './tokens.js';

/**
 * The caller of a request, from its Authorization header: a valid token
 * (verified once, then remembered) whose id is not on the in-memory revocation
 * list. No database round trip.
 */
export async function authenticate(app: AppContext, authorization: string | undefined): Promise<AuthUser> {
  const token = tokenFromHeader(authorization);
  if (!token) throw new ApiError(401, 'unauthorized', 'A valid access token is required');
  let claims;
  try {
    claims = await app.tokens.verify(token);
  } catch {
    throw new ApiError(401, 'invalid_token', 'The access token is invalid or expired');
  }
  if (app.revocations.isRevoked(claims.jti)) throw new ApiError(401, 'token_revoked', 'The access token has been revoked');
  return claims;
}
