import type { Handlers } from '../http/handler-types.js';
import { ApiError, badRequest, conflict, unauthorized } from '../http/errors.js';
import { newId } from '../db/ids.js';
import { findUserByEmail, findUserById, isPlausibleEmail, normaliseEmail, toUser } from './users.js';
import type { AppContext } from '../app-context.js';
import type { AuthUser } from '../http/handler-types.js';

type AuthHandlers = Pick<
  Handlers,
  'registerUser' | 'loginUser' | 'logoutUser' | 'refreshToken' | 'authWithPassword' | 'authRefresh'
>;

async function register(app: AppContext, rawEmail: string, password: string, name: string | undefined) {
  const email = normaliseEmail(rawEmail);
  if (!isPlausibleEmail(email)) {
    throw badRequest('email is not a valid address', { errors: [{ path: '/email', message: 'must be an email address' }] });
  }
  const passwordHash = await app.passwords.hash(password);
  const now = new Date();
  const user = {
    id: newId('user'),
    email,
    name: (name ?? '').trim(),
    password_hash: passwordHash,
    created: now,
    updated: now,
  };
  try {
    // The settings record belongs with the user: both or neither.
    await app.db.transaction().execute(async (tx) => {
      await tx.insertInto('users').values(user).execute();
      await tx
        .insertInto('user_settings')
        .values({ id: newId('set'), user_id: user.id, theme: 'system', default_model: '', api_keys: '{}', created: now, updated: now })
        .execute();
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw conflict('email_taken', 'An account with this email already exists');
    throw err;
  }
  const row = await findUserById(app.db, user.id);
  if (!row) throw new Error('user vanished after insert');
  return row;
}

async function login(app: AppContext, rawEmail: string, password: string) {
  const row = await findUserByEmail(app.db, normaliseEmail(rawEmail));
  if (!row) {
    await app.passwords.verifyDummy(password);
    throw new ApiError(401, 'invalid_credentials', 'Email or password is wrong');
  }
  if (!(await app.passwords.verify(row.password_hash, password))) {
    throw new ApiError(401, 'invalid_credentials', 'Email or password is wrong');
  }
  return row;
}

/** Issues a new token and revokes the presented one, so a refreshed token cannot be replayed. */
async function rotate(app: AppContext, auth: AuthUser) {
  const row = await findUserById(app.db, auth.userId);
  if (!row) throw unauthorized();
  await app.revocations.revoke(app.db, auth);
  const { token } = await app.tokens.issue(row.id);
  return { row, token };
}

function requireAuth(auth: AuthUser | undefined): AuthUser {
  if (!auth) throw unauthorized();
  return auth;
}

export const authHandlers: AuthHandlers = {
  async registerUser({ body }, { app }) {
    const row = await register(app, body.email, body.password, body.name);
    const { token } = await app.tokens.issue(row.id);
    return { status: 200, body: { user: toUser(row), token } };
  },
  async loginUser({ body }, { app }) {
    const row = await login(app, body.email, body.password);
    const { token } = await app.tokens.issue(row.id);
    return { status: 200, body: { user: toUser(row), token } };
  },
  async logoutUser(_input, { app, auth }) {
    await app.revocations.revoke(app.db, requireAuth(auth));
    return { status: 204 };
  },
  async refreshToken(_input, { app, auth }) {
    const { row, token } = await rotate(app, requireAuth(auth));
    return { status: 200, body: { user: toUser(row), token } };
  },
  async authWithPassword({ body }, { app }) {
    const row = await login(app, body.identity, body.password);
    const { token } = await app.tokens.issue(row.id);
    return { status: 200, body: { token, record: toUser(row) } };
  },
  async authRefresh(_input, { app, auth }) {
    const { row, token } = await rotate(app, requireAuth(auth));
    return { status: 200, body: { token, record: toUser(row) } };
  },
};
