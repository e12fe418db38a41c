import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { assertStorageKey, StoredObjectMissing, type ByteRange, type FileStorage } from './types.js';

const TEMP_DIR = '.incoming';
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Files on local disk under `root`. Writes go to a temporary file in the same
 * file system and are renamed into place only when complete, so a reader (or
 * a crash) never sees half a file.
 */
export async function createLocalStorage(root: string): Promise<FileStorage> {
  const tempDir = path.join(root, TEMP_DIR);
  await fsp.mkdir(tempDir, { recursive: true });
  await removeStaleTemporaries(tempDir);
  const pathOf = (key: string) => {
    assertStorageKey(key);
    return path.join(root, key);
  };

  return {
    kind: 'local',
    async write(key, body: Readable) {
      const target = pathOf(key);
      const temp = path.join(tempDir, `${randomBytes(12).toString('hex')}.part`);
      try {
        await pipeline(body, fs.createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
        await fsp.mkdir(path.dirname(target), { recursive: true });
        await fsp.rename(temp, target);
      } catch (err) {
        await fsp.rm(temp, { force: true });
        throw err;
      }
    },
    async read(key, range?: ByteRange) {
      let handle: fsp.FileHandle;
      try {
        handle = await fsp.open(pathOf(key), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StoredObjectMissing(key);
        throw err;
      }
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    },
    async remove(key) {
      await fsp.rm(pathOf(key), { force: true });
    },
  };
}

/** Leftovers of writes cut short by a crash; live writes are far younger than the cutoff. */
async function removeStaleTemporaries(tempDir: string) {
  const cutoff = Date.now() - STALE_TEMP_MS;
  for (const name of await fsp.readdir(tempDir)) {
    const file = path.join(tempDir, name);
    const stat = await fsp.stat(file).catch(() => undefined);
    if (stat && stat.mtimeMs < cutoff) await fsp.rm(file, { force: true });
  }
}
