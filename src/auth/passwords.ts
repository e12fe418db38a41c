import argon2 from 'argon2';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Spends the same time as a real verify, so unknown emails cannot be told apart by timing. */
  verifyDummy(password: string): Promise<void>;
}

export async function createPasswordHasher(memoryKib: number): Promise<PasswordHasher> {
  const options = { type: argon2.argon2id as 2, memoryCost: Math.max(memoryKib, 1024), timeCost: 2, parallelism: 1 };
  const dummyHash = await argon2.hash('t66-dummy-password', options);
  return {
    hash: (password) => argon2.hash(password, options),
    verify: async (hash, password) => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    },
    verifyDummy: async (password) => {
      await argon2.verify(dummyHash, password).catch(() => false);
    },
  };
}
