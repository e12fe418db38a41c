/** `client.auth`: register, log in, log out, refresh. The client keeps the token it gets and sends it from then on. */
import { authRefresh, authWithPassword, loginUser, logoutUser, refreshToken, registerUser } from './generated/sdk.gen.js';
import type { AuthResponse, LoginRequest, RecordAuthResponse, RegisterRequest } from './generated/types.gen.js';
import { unwrap, unwrapEmpty, type Transport } from './http.js';

export interface Auth {
  /** Creates the user, and keeps the token. */
  register(body: RegisterRequest): Promise<AuthResponse>;
  /** Logs in, and keeps the token. */
  login(body: LoginRequest): Promise<AuthResponse>;
  /** Revokes the current token on the server and forgets it. */
  logout(): Promise<void>;
  /** Exchanges the token for a fresh one (the old one stops working), and keeps the new one. */
  refresh(): Promise<AuthResponse>;
  /** PocketBase's form of login (`identity` is the email); keeps the token. */
  authWithPassword(body: { identity: string; password: string }): Promise<RecordAuthResponse>;
  /** PocketBase's form of refresh; keeps the new token. */
  authRefresh(): Promise<RecordAuthResponse>;
}

/** The refresh call the session uses when it rotates a token by itself: it sends the old token explicitly. */
export async function rotateToken(transport: Transport, oldToken: string): Promise<string> {
  const answer = await unwrap(refreshToken({ client: transport.client, auth: oldToken }));
  transport.session.setToken(answer.token, true);
  return answer.token;
}

export function createAuth(transport: Transport): Auth {
  const { client, session } = transport;
  const keep = <T extends { token: string }>(answer: T): T => {
    session.setToken(answer.token, true);
    return answer;
  };
  return {
    register: async (body) => keep(await unwrap(registerUser({ client, body }))),
    login: async (body) => keep(await unwrap(loginUser({ client, body }))),
    async logout() {
      await unwrapEmpty(logoutUser({ client, auth: session.token }));
      session.setToken(undefined, false);
    },
    refresh: async () => keep(await unwrap(refreshToken({ client, auth: session.token }))),
    authWithPassword: async (body) => keep(await unwrap(authWithPassword({ client, body }))),
    authRefresh: async () => keep(await unwrap(authRefresh({ client, auth: session.token }))),
  };
}
