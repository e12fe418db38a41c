// Child processes pinned to a CPU, and what /proc says about them.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export function hasCommand(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** CPU time (µs, user + system, all threads) a process has used so far, or null once it is gone. */
export function cpuMicros(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** {rssKb, hwmKb} from /proc/<pid>/status. */
export function memory(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return { rssKb: NaN, hwmKb: NaN };
  }
}

/** Resets VmHWM so that it reports the peak from now on (Linux; needs to own the process). */
export function resetPeak(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS every intervalMs; stop() answers the largest value seen, in kB. */
export function sampleRss(pid, intervalMs = 100) {
  let peak = memory(pid).rssKb || 0;
  const timer = setInterval(() => {
    const { rssKb } = memory(pid);
    if (rssKb > peak) peak = rssKb;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const { rssKb } = memory(pid);
      return Math.max(peak, rssKb || 0);
    },
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `command args` pinned to `cpu` (taskset), with stdout/stderr appended to logFile.
 * taskset and prlimit exec the command, so the child's pid is the server's pid.
 */
export function startPinned({ cpu, command, args, env, logFile, cwd, noFile }) {
  const log = fs.openSync(logFile, 'a');
  const argv = [command, ...args];
  if (noFile) argv.unshift('prlimit', `--nofile=${noFile}:${noFile}`);
  if (cpu !== undefined && hasCommand('taskset')) argv.unshift('taskset', '-c', String(cpu));
  const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, pid: child.pid, exited, logFile };
}

/** SIGTERM, then SIGKILL after graceMs. */
export async function stop(proc, graceMs = 5000) {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/** Polls `probe` until it answers true, the process dies, or timeoutMs passes. */
export async function waitUntil(proc, probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${what} exited before it was ready (see ${proc.logFile}):\n${tail(proc.logFile)}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} was not ready after ${timeoutMs} ms (see ${proc.logFile}):\n${tail(proc.logFile)}`);
}

export function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Runs a command to its end and answers its stdout (throws on a non-zero exit). */
export function runToEnd(command, args, { cpu, env, input } = {}) {
  return new Promise((resolve, reject) => {
    const argv = cpu !== undefined && hasCommand('taskset') ? ['taskset', '-c', String(cpu), command, ...args] : [command, ...args];
    const child = spawn(argv[0], argv.slice(1), { env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err.trim() || out.trim()}`))));
    child.stdin.end(input ?? '');
  });
}
