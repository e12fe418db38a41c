import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Reads a secret kept in the data dir, creating it on first use. The `wx` flag
 * makes two processes starting together agree on one value.
 */
export async function persistedSecret(dataDir: string, fileName: string, bytes = 32): Promise<Buffer> {
  const file = path.join(dataDir, fileName);
  await fs.mkdir(dataDir, { recursive: true });
  try {
    await fs.writeFile(file, randomBytes(bytes).toString('base64'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const value = Buffer.from((await fs.readFile(file, 'utf8')).trim(), 'base64');
  if (value.length < bytes) throw new Error(`${file} is corrupt: expected ${bytes} bytes of base64`);
  return value;
}
