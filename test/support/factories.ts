import { randomBytes } from 'node:crypto';
import { registerUser } from '../../generated/sdk.gen.js';
import type { User } from '../../generated/types.gen.js';
import { apiClient } from './client.js';

export interface TestUser {
  user: User;
  token: string;
  email: string;
  password: string;
}

let counter = 0;

/** Registers a new user with a unique email and answers its token. */
export async function createUser(api: string, overrides: { email?: string; password?: string; name?: string } = {}): Promise<TestUser> {
  const email = overrides.email ?? `user${++counter}.${randomBytes(4).toString('hex')}@example.com`;
  const password = overrides.password ?? 'correct horse battery';
  const { data, error, response } = await registerUser({
    client: apiClient(api),
    body: { email, password, name: overrides.name ?? 'Test User' },
  });
  if (!data) throw new Error(`register failed: ${response.status} ${JSON.stringify(error)}`);
  return { user: data.user, token: data.token, email, password };
}
