import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registerServer, unregisterServer } from '../support/contract.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildServer {
  api: string;
  process: ChildProcess;
  /** SIGKILL: no shutdown code runs, as when a machine or container dies. */
  kill(): Promise<void>;
}

/**
 * Runs `src/main.ts` in a separate Node process, exactly as an operator
 * starts T66 (configuration from the environment only), so a test can kill it.
 */
export async function startChildServer(env: Record<string, string>): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      T66_ARGON2_MEMORY_KIB: '1024',
      T66_RATE_LIMIT_AUTH: '100000/1m',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const api = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /T66 API:\s+(http:\/\/\S+\/api)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace('localhost', '127.0.0.1'));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}: ${output}`));
    });
  });
  const origin = new URL(api).origin;
  registerServer(origin);
  return {
    api,
    process: child,
    async kill() {
      unregisterServer(origin);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
