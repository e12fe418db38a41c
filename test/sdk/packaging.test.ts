/**
 * @t66/sdk as a user gets it: `npm pack` builds and packs it, a fresh project installs the tarball,
 * the README's JavaScript snippet runs there against a T66, and a TypeScript consumer type-checks
 * against the published declarations. The built code must be browser-safe: no imports of anything
 * but its own files, and no Node globals.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDb, type TestServer } from '../support/server.js';
import { readmeSnippet } from './readme.js';
import { signedUpClient } from './support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }) {
  return new Promise<{ code: number; stdout: string; output: string }>((resolve) => {
    execFile(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, output: `${stdout}${stderr}` });
    });
  });
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

// Packing builds the SDK with tsc and installs it into a scratch project; the database behind the
// server plays no part, so this runs once, on the PGlite project, not again on PostgreSQL.
describe.skipIf(testDb() === 'postgres')('the packed @t66/sdk', () => {
  let server: TestServer;
  let work: string;
  let consumer: string;

  beforeAll(async () => {
    server = await startTestServer();
    work = await fs.mkdtemp(path.join(os.tmpdir(), 't66-sdk-pack-'));
    consumer = path.join(work, 'app');
    await fs.mkdir(consumer);
    await fs.writeFile(path.join(consumer, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  });

  afterAll(async () => {
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('packs dist/ (ESM and .d.ts) and nothing of the sources', async () => {
    const packed = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd: path.join(root, 'sdk/js') });
    expect(packed.code, packed.output).toBe(0);
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = info.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/generated/sdk.gen.js']));
    expect(files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md'].includes(f))).toEqual([]);

    const installed = await run(npm, ['install', '--no-audit', '--no-fund', '--offline', path.join(work, info.filename)], { cwd: consumer });
    expect(installed.code, installed.output).toBe(0);
  }, 240_000);

  it('is browser-safe: the built files import only each other and use no Node globals', async () => {
    const dist = path.join(consumer, 'node_modules/@t66/sdk/dist');
    const problems: string[] = [];
    for (const file of (await listFiles(dist)).filter((f) => f.endsWith('.js'))) {
      const code = await fs.readFile(path.join(dist, file), 'utf8');
      // tsc writes each import/export statement at the start of a line; comments and strings that mention imports do not count.
      const statements = [...code.matchAll(/^(?:import|export)\b[^;]*?from\s*['"]([^'"]+)['"]/gm), ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)];
      for (const [, specifier] of statements) {
        if (!specifier.startsWith('./') && !specifier.startsWith('../')) problems.push(`${file} imports ${specifier}`);
      }
      for (const global of [/\bprocess\./, /\bBuffer\b/, /\brequire\(/, /\b__dirname\b/]) {
        if (global.test(code)) problems.push(`${file} uses ${global.source}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs the README\'s JavaScript snippet as written, against a T66', async () => {
    const { client } = await signedUpClient(server);
    await fs.writeFile(path.join(consumer, 'snippet.mjs'), readmeSnippet('js', server.url));
    const result = await run(process.execPath, ['snippet.mjs'], { cwd: consumer, env: { T66_TOKEN: client.token! } });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('You said: "Hello!"');
  }, 60_000);

  it('type-checks a TypeScript consumer against the published declarations', async () => {
    await fs.writeFile(
      path.join(consumer, 'consumer.ts'),
      [
        "import { T66Client, NotFoundError, verifyWebhook, type Chat, type ChatCompletionChunk } from '@t66/sdk';",
        "const client = new T66Client({ apiUrl: 'http://localhost:8090', apiKey: 'token' });",
        "const chat: Promise<Chat> = client.chats.create({ title: 'typed', settings: { temperature: 0.5 } });",
        "async function stream(): Promise<string> {",
        "  let text = '';",
        "  for await (const chunk of await client.chat.completions.create({ model: 'local-dev', messages: [], stream: true })) {",
        "    const typed: ChatCompletionChunk = chunk;",
        "    text += typed.choices[0]?.delta.content ?? '';",
        '  }',
        '  return text;',
        '}',
        "// @ts-expect-error: the spec's ChatCreate has no such field",
        "void client.chats.create({ titel: 'typo' });",
        'void chat; void stream; void NotFoundError; void verifyWebhook;',
      ].join('\n'),
    );
    await fs.writeFile(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, lib: ['ES2022', 'DOM'], types: [] }, files: ['consumer.ts'] }),
    );
    const checked = await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: consumer });
    expect(checked.code, checked.output).toBe(0);
  }, 120_000);
});
