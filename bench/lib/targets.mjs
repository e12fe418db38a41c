// The servers under test: the fake upstream, the limit proxy, Portkey, and T66
// on each database. Every server runs pinned to the server CPU.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, memory, startPinned, stop, waitUntil } from './proc.mjs';

const benchDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const rootDir = path.join(benchDir, '..');

function baseEnv() {
  // Only what a process needs to run: nothing from the caller's T66/OpenAI setup leaks in.
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

async function httpReady(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.status < 500;
}

async function startNodeServer({ name, script, args, cpu, logDir }) {
  const port = await freePort();
  const proc = startPinned({
    cpu,
    command: process.execPath,
    args: [path.join(benchDir, script), `--port=${port}`, ...args],
    env: baseEnv(),
    logFile: path.join(logDir, `${name}.log`),
  });
  await waitUntil(proc, () => httpReady(`http://127.0.0.1:${port}/`), 10_000, name);
  return { ...proc, port };
}

export function startUpstream({ cpu, logDir, chunks, delayMs }) {
  return startNodeServer({ name: 'upstream', script: 'fake-upstream.mjs', args: [`--chunks=${chunks}`, `--delay-ms=${delayMs}`], cpu, logDir });
}

export function startLimit({ cpu, logDir, upstreamPort }) {
  return startNodeServer({ name: 'limit', script: 'limit-proxy.mjs', args: [`--upstream=http://127.0.0.1:${upstreamPort}`], cpu, logDir });
}

/** Needs dist/ (it uses T66's transport): call after buildT66. */
export function startSdkFloor({ cpu, logDir, upstreamPort }) {
  return startNodeServer({ name: 'sdk-floor', script: 'sdk-floor-proxy.mjs', args: [`--upstream=http://127.0.0.1:${upstreamPort}`], cpu, logDir });
}

const portkeyEntry = path.join(benchDir, 'node_modules/@portkey-ai/gateway/build/start-server.js');

/** Installs bench/'s own dependencies (Portkey) when they are missing. */
export function ensurePeerInstalled(log) {
  if (fs.existsSync(portkeyEntry)) return;
  log('Installing the peer gateway into bench/node_modules (npm ci in bench/)...');
  const lockfile = fs.existsSync(path.join(benchDir, 'package-lock.json'));
  try {
    execFileSync('npm', [lockfile ? 'ci' : 'install', '--no-audit', '--no-fund'], { cwd: benchDir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const npmSaid = String(err.stderr ?? '').trim().split('\n').filter((line) => !line.includes('npm warn')).slice(-5).join(' | ');
    throw new Error(`npm ${lockfile ? 'ci' : 'install'} in bench/ failed${npmSaid ? `: ${npmSaid}` : ''}`);
  }
}

export async function startPeer({ cpu, logDir }) {
  const port = await freePort();
  const proc = startPinned({
    cpu,
    command: process.execPath,
    args: [portkeyEntry, `--port=${port}`, '--headless'],
    env: baseEnv(),
    cwd: benchDir,
    logFile: path.join(logDir, 'peer.log'),
  });
  await waitUntil(proc, () => httpReady(`http://127.0.0.1:${port}/`), 30_000, 'peer (Portkey)');
  return { ...proc, port };
}

/** `npm run build`; answers an error message, or undefined when dist/ is usable. */
export function buildT66(log) {
  log('Building T66 (npm run build)...');
  try {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: rootDir, stdio: ['ignore', 'pipe', 'pipe'] });
    return undefined;
  } catch (err) {
    const output = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n').slice(0, 10).join('\n');
    // tsc still emits on type errors, so a stale-but-runnable dist/ may be there.
    if (fs.existsSync(path.join(rootDir, 'dist/src/main.js'))) {
      log(`WARNING: npm run build failed; running the dist/ it left behind:\n${output}`);
      return undefined;
    }
    return `npm run build failed:\n${output}`;
  }
}

/**
 * Starts T66 as a user runs it (node dist/src/main.js), pinned, and waits for /api/health.
 * `extraEnv` is added last, so it can override anything.
 */
export async function startT66({ name, cpu, logDir, dataDir, databaseUrl, upstreamPort, logLevel, extraEnv, cpuProfDir, noFile, port, distDir }) {
  port ??= await freePort();
  const env = {
    ...baseEnv(),
    PORT: String(port),
    HOST: '127.0.0.1',
    T66_DATA_DIR: dataDir,
    OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
    OPENAI_API_KEY: 'bench',
    LOG_LEVEL: logLevel,
    // Rate limiting stays on, with limits the bench never reaches.
    T66_RATE_LIMIT_AUTH: '1000000000/1m',
    T66_RATE_LIMIT_COMPLETIONS: '1000000000/1m',
    T66_RATE_LIMIT_IMAGES: '1000000000/1m',
    T66_RATE_LIMIT_UPLOADS: '1000000000/1m',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789abcdef' } : {}),
    ...extraEnv,
  };
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const started = Date.now();
  const proc = startPinned({
    cpu,
    command: process.execPath,
    args: [...nodeArgs, path.join(distDir ?? path.join(rootDir, 'dist'), 'src/main.js')],
    env,
    cwd: rootDir,
    noFile,
    logFile: path.join(logDir, `${name}.log`),
  });
  await waitUntil(proc, () => httpReady(`http://127.0.0.1:${port}/api/health`), 120_000, name);
  return { ...proc, port, startMs: Date.now() - started, baseUrl: `http://127.0.0.1:${port}` };
}

export { stop, memory };
