// Load generators, all run pinned to the load-generator CPU: wrk (or autocannon
// when wrk is missing) for request/response points, and the two Node clients
// for streams and WebSockets.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasCommand, runToEnd } from './proc.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Makes sure wrk is there: installs the Debian package when we may, else falls back to autocannon. */
export function chooseLoadGenerator(log) {
  if (hasCommand('wrk')) return 'wrk';
  if (process.getuid?.() === 0 && hasCommand('apt-get')) {
    log('wrk is missing: installing the Debian package (apt-get install -y wrk)...');
    try {
      execFileSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'ignore' });
    } catch {
      try {
        execFileSync('sh', ['-c', 'apt-get update && apt-get install -y wrk'], { stdio: 'ignore' });
      } catch {
        /* fall through to autocannon */
      }
    }
    if (hasCommand('wrk')) return 'wrk';
  }
  log('wrk is not available: falling back to autocannon 9 through npx (its latencies are whole milliseconds).');
  return 'autocannon';
}

function luaString(text) {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A wrk script for one request shape; done() prints the summary as one JSON line (latencies in µs). */
function wrkScript(dir, { method, body, headers }) {
  const lines = [`wrk.method = ${luaString(method)}`];
  if (body !== undefined) lines.push(`wrk.body = ${luaString(body)}`);
  for (const [name, value] of Object.entries(headers ?? {})) lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`);
  lines.push(`
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH_JSON {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `wrk-${Math.random().toString(36).slice(2)}.lua`);
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

/**
 * One load point: `connections` keep-alive connections for durationS seconds.
 * Answers {requests, rps, errors, latency_us: {p50, p90, p99, max, mean}}.
 */
export async function runPoint({ tool, cpu, url, method = 'GET', body, headers, connections, durationS, scratchDir }) {
  if (tool === 'wrk') {
    const script = wrkScript(scratchDir, { method, body, headers });
    const out = await runToEnd('wrk', ['-t1', `-c${connections}`, `-d${durationS}s`, '--timeout', '10s', '-s', script, url], { cpu });
    fs.rmSync(script, { force: true });
    const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
    if (!line) throw new Error(`wrk printed no summary:\n${out}`);
    const result = JSON.parse(line.slice('BENCH_JSON '.length));
    const errors = Object.values(result.errors).reduce((a, b) => a + b, 0);
    return { ...result, rps: result.requests / (result.duration_us / 1e6), error_count: errors };
  }
  const args = ['--yes', 'autocannon@9', '--json', '-c', String(connections), '-d', String(durationS), '-m', method];
  for (const [name, value] of Object.entries(headers ?? {})) args.push('-H', `${name}=${value}`);
  if (body !== undefined) args.push('-b', body);
  args.push(url);
  const out = JSON.parse(await runToEnd('npx', args, { cpu }));
  const ms = (v) => Math.round(v * 1000);
  return {
    requests: out.requests.total,
    duration_us: out.duration * 1e6,
    rps: out.requests.total / out.duration,
    errors: { status: out.non2xx, connect: out.errors, timeout: out.timeouts },
    error_count: out.non2xx + out.errors + out.timeouts,
    latency_us: { p50: ms(out.latency.p50), p90: ms(out.latency.p90), p99: ms(out.latency.p99), max: ms(out.latency.max), mean: ms(out.latency.mean) },
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Streaming point: `concurrency` streams at a time for durationS seconds. */
export async function runStreams({ cpu, url, headers, body, concurrency, durationS }) {
  const job = JSON.stringify({ url, headers, body, concurrency, durationMs: durationS * 1000 });
  const out = JSON.parse(await runToEnd(process.execPath, [path.join(here, '..', 'stream-client.mjs'), job], { cpu }));
  const ttft = out.ttft_us.sort((a, b) => a - b);
  const total = out.total_us.sort((a, b) => a - b);
  return {
    streams: out.streams,
    errors: out.errors,
    error_count: Object.values(out.errors).reduce((a, b) => a + b, 0),
    ttft_us: { p50: percentile(ttft, 50), p99: percentile(ttft, 99) },
    total_us: { p50: percentile(total, 50), p99: percentile(total, 99) },
  };
}

/**
 * Starts a fan-out client (see ws-fanout.mjs) and waits for its sockets to be in the room.
 * Answers {setup, round(), close()}; round() runs one measured round.
 */
export async function startFanout({ cpu, baseUrl, token, chatId, sockets, messages, timeoutMs, noFile }) {
  const job = JSON.stringify({ baseUrl, token, chatId, sockets, messages, timeoutMs });
  const argv = [process.execPath, path.join(here, '..', 'ws-fanout.mjs'), job];
  if (noFile) argv.unshift('prlimit', `--nofile=${noFile}:${noFile}`);
  if (cpu !== undefined && hasCommand('taskset')) argv.unshift('taskset', '-c', String(cpu));
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = [];
  const waiting = [];
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text) => {
    buffered += text;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const waiter = waiting.shift();
      if (waiter) waiter.resolve(JSON.parse(line));
      else lines.push(JSON.parse(line));
    }
  });
  child.on('exit', (code) => {
    for (const waiter of waiting.splice(0)) waiter.reject(new Error(`the fan-out client exited (${code}): ${stderr.trim().slice(0, 500)}`));
  });
  const next = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((resolve, reject) => waiting.push({ resolve, reject })));
  const setup = await next();
  return {
    setup,
    round() {
      child.stdin.write('round\n');
      return next();
    },
    close() {
      child.stdin.end();
      return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    },
  };
}
