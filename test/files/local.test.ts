import fs from 'node:fs/promises';
import path from 'node:path';
import { startTestServer } from '../support/server.js';
import { fileApiScenarios, MAX_UPLOAD_BYTES } from './file-api.js';

/** Every file under `root`, as paths relative to it. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

fileApiScenarios('local', async () => {
  const server = await startTestServer({ env: { T66_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });
  return { server, stored: () => filesUnder(path.join(server.dataDir, 'files')) };
});
