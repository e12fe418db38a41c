/**
 * The Python SDK (sdk/python), tested the way a user gets it: `pip install`ed from the folder (offline:
 * its build backend is the standard-library one in sdk/python/_build), then its unittest suite
 * (sdk/python/tests) run under the machine's python3 against a T66 that this file starts on the
 * embedded database with the offline models. Output is shown when it fails.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSearch, type FakeSearch } from '../support/fakes/fake-search.js';
import { startTestServer, testDb, type TestServer } from '../support/server.js';
import { readmeSnippet } from './readme.js';
import { signedUpClient } from './support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const python = process.env.T66_TEST_PYTHON ?? 'python3';

function run(command: string, args: string[], env: Record<string, string> = {}, timeoutMs = 240_000) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(command, args, { cwd: root, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

// The Python SDK speaks HTTP and WebSocket only: which database sits behind the server changes
// nothing it sees, and the server's own suites cover both databases. Running the Python suite (and a
// pip build) a second time on PostgreSQL would cost time and test nothing new, so it runs on PGlite only.
describe.skipIf(testDb() === 'postgres')('the Python SDK', () => {
  let server: TestServer;
  let limited: TestServer;
  let search: FakeSearch;
  let site: string;

  beforeAll(async () => {
    search = await startFakeSearch();
    server = await startTestServer({
      env: { SEARXNG_URL: search.searxngUrl, T66_WEBHOOK_ALLOW_PRIVATE: 'true', T66_WEBHOOK_POLL_MS: '50' },
    });
    limited = await startTestServer({ env: { T66_RATE_LIMIT_AUTH: '2/1m' } });
    site = await fs.mkdtemp(path.join(os.tmpdir(), 't66-python-sdk-'));
  }, 120_000);

  afterAll(async () => {
    await search?.close();
    if (site) await fs.rm(site, { recursive: true, force: true });
  });

  it('installs with pip from the folder, offline', async () => {
    const install = await run(python, ['-m', 'pip', 'install', '--no-index', '--no-deps', '--disable-pip-version-check', '--target', site, './sdk/python']);
    expect(install.code, install.output).toBe(0);
    const where = await run(python, ['-c', 'import t66, sys; print(t66.__file__); print(t66.__version__)'], { PYTHONPATH: site });
    expect(where.code, where.output).toBe(0);
    expect(where.output.split('\n')[0]).toBe(path.join(site, 't66', '__init__.py'));
  }, 120_000);

  it('passes its unittest suite against a running T66, with nothing skipped', async () => {
    const result = await run(python, ['-m', 'unittest', 'discover', '-s', 'sdk/python/tests', '-v'], {
      PYTHONPATH: site,
      T66_URL: server.url,
      T66_LIMITED_URL: limited.url,
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/^OK$/m);
    expect(result.output, 'a Python test was skipped').not.toMatch(/skipped/i);
  }, 240_000);

  it("runs the README's Python snippet as written, against a T66", async () => {
    const { client } = await signedUpClient(server);
    const result = await run(python, ['-c', readmeSnippet('python', server.url)], { PYTHONPATH: site, T66_TOKEN: client.token! });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('You said: "Hello!"');
  }, 60_000);
});
