// `npm run bench`: T66 against a minimal proxy (the limit), the upstream itself
// (direct) and a peer gateway (Portkey), on one fake upstream, in one run.
// Progress goes to stderr; the Markdown report to stdout and, with the JSON,
// to bench/results/. See bench/README.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hasCommand, memory, stop } from './lib/proc.mjs';
import { chooseLoadGenerator } from './lib/load.mjs';
import { buildT66, ensurePeerInstalled, startLimit, startPeer, startSdkFloor, startT66, startUpstream } from './lib/targets.mjs';
import { backendCpuMeter, createBenchDatabase, dropBenchDatabase } from './lib/postgres.mjs';
import * as scenarios from './lib/scenarios.mjs';
import { seedChatsPglite, seedChatsPostgres } from './lib/seed.mjs';
import { aggregateFanout, aggregateNonStreaming, aggregateRecords, aggregateStreaming, evaluateTargets, markdown } from './lib/report.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.dirname(benchDir);
const ALL_TARGETS = ['direct', 'limit', 'sdk-floor', 't66-pglite', 't66-pg', 'peer'];
const HELP = `npm run bench [-- options]      (each option also reads from the BENCH_* variable shown)

  --quick                 a smoke test: 2 s points, 1 s warm-up, 5 fan-out messages   BENCH_QUICK=1
  --scenarios=1,2,3,4,5   1 non-streaming, 2 streaming, 3 records, 4 WebSocket fan-out, 5 memory
                                                                                     BENCH_SCENARIOS
  --targets=${ALL_TARGETS.join(',')}                                  BENCH_TARGETS
  --duration=5            seconds per point                                           BENCH_DURATION
  --warmup=3              seconds of warm-up per target before scenarios 1 and 2      BENCH_WARMUP
  --rounds=2              times each point runs (interleaved A B A B)                 BENCH_ROUNDS
  --concurrency=1,16,64   connections for scenario 1                                  BENCH_CONCURRENCY
  --streams=16 --chunks=20 --delay-ms=5   scenario 2 (and the fake upstream)          BENCH_STREAMS, BENCH_CHUNKS, BENCH_DELAY_MS
  --chats=10000 --records-concurrency=16  scenario 3                                  BENCH_CHATS, BENCH_RECORDS_CONCURRENCY
  --ws-sockets=1000 --ws-messages=20      scenario 4                                  BENCH_WS_SOCKETS, BENCH_WS_MESSAGES
  --model=gpt-4o-mini     the T66 model id (an openai-provider model of its catalogue) BENCH_MODEL
  --log-level=info        T66's LOG_LEVEL (info is what users run)                    BENCH_T66_LOG_LEVEL
  --t66-env=K=V,K=V       extra environment for T66                                   BENCH_T66_ENV
  --pg-url=postgres://postgres@127.0.0.1:5432/postgres   where the throwaway database is created  BENCH_PG_URL
  --no-build              use dist/ as it is instead of running npm run build         BENCH_NO_BUILD=1
  --profile               run T66 under node --cpu-prof; profiles go to bench/results/ BENCH_PROFILE=1
  --baseline=DIR          also run another T66 build (DIR/dist/src/main.js, DIR inside this repository
                          so that node_modules resolve) as t66-pglite-base / t66-pg-base, interleaved
                          with the current build: before/after figures from the same run  BENCH_BASELINE
  --keep-logs             keep the servers' logs (printed path)                       BENCH_KEEP_LOGS=1
  --load-cpu=0 --server-cpu=1                                                         BENCH_LOAD_CPU, BENCH_SERVER_CPU
`;

/** A wrong invocation: reported in one line, without a stack trace. */
class UsageError extends Error {}

function parseOptions(argv, env) {
  const flags = {};
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    }
    const match = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unknown argument ${arg} (try --help)`);
    flags[match[1]] = match[2] ?? 'true';
  }
  // Every option is read through get(), which records it; a flag nobody read is a typo.
  const read = new Set();
  const get = (flag, envName, fallback) => {
    read.add(flag);
    return flags[flag] ?? env[envName] ?? fallback;
  };
  const bool = (flag, envName) => ['1', 'true', 'yes'].includes(String(get(flag, envName, '')).toLowerCase());
  const list = (value) => String(value).split(',').map((s) => s.trim()).filter(Boolean);
  const quick = bool('quick', 'BENCH_QUICK');
  const scenarioNames = list(get('scenarios', 'BENCH_SCENARIOS', '1,2,3,4,5'));
  const opts = {
    quick,
    scenarios: new Set(scenarioNames.map(Number)),
    targets: list(get('targets', 'BENCH_TARGETS', ALL_TARGETS.join(','))),
    durationS: Number(get('duration', 'BENCH_DURATION', quick ? 2 : 5)),
    warmupS: Number(get('warmup', 'BENCH_WARMUP', quick ? 1 : 3)),
    rounds: Number(get('rounds', 'BENCH_ROUNDS', 2)),
    concurrency: list(get('concurrency', 'BENCH_CONCURRENCY', '1,16,64')).map(Number),
    streamConcurrency: Number(get('streams', 'BENCH_STREAMS', 16)),
    chunks: Number(get('chunks', 'BENCH_CHUNKS', 20)),
    delayMs: Number(get('delay-ms', 'BENCH_DELAY_MS', 5)),
    chats: Number(get('chats', 'BENCH_CHATS', 10_000)),
    recordsConcurrency: Number(get('records-concurrency', 'BENCH_RECORDS_CONCURRENCY', 16)),
    wsSockets: Number(get('ws-sockets', 'BENCH_WS_SOCKETS', 1000)),
    wsMessages: Number(get('ws-messages', 'BENCH_WS_MESSAGES', quick ? 5 : 20)),
    model: get('model', 'BENCH_MODEL', 'gpt-4o-mini'),
    t66LogLevel: get('log-level', 'BENCH_T66_LOG_LEVEL', 'info'),
    t66Env: Object.fromEntries(list(get('t66-env', 'BENCH_T66_ENV', '')).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    pgUrl: get('pg-url', 'BENCH_PG_URL', 'postgres://postgres@127.0.0.1:5432/postgres'),
    build: !bool('no-build', 'BENCH_NO_BUILD') && get('build', undefined, 'true') !== 'false',
    profile: bool('profile', 'BENCH_PROFILE'),
    keepLogs: bool('keep-logs', 'BENCH_KEEP_LOGS'),
    baseline: get('baseline', 'BENCH_BASELINE', undefined),
    loadCpu: Number(get('load-cpu', 'BENCH_LOAD_CPU', 0)),
    serverCpu: Number(get('server-cpu', 'BENCH_SERVER_CPU', 1)),
  };
  const unread = Object.keys(flags).find((flag) => !read.has(flag));
  if (unread) throw new UsageError(`unknown argument --${unread} (try --help)`);
  if (opts.targets.length === 0) throw new UsageError(`--targets is empty; choose from ${ALL_TARGETS.join(',')}`);
  for (const t of opts.targets) {
    if (t.endsWith('-base')) throw new UsageError(`${t} is not a target to name: --baseline=DIR adds t66-pglite-base and t66-pg-base next to the t66 targets you choose`);
    if (!ALL_TARGETS.includes(t)) throw new UsageError(`unknown target ${t}; choose from ${ALL_TARGETS.join(',')}`);
  }
  if (scenarioNames.length === 0) throw new UsageError('--scenarios is empty; choose from 1-5');
  const badScenario = scenarioNames.find((name) => !/^[1-5]$/.test(name));
  if (badScenario) throw new UsageError(`unknown scenario ${badScenario}; choose from 1-5`);
  if (opts.baseline) {
    opts.baseline = path.resolve(opts.baseline);
    if (path.relative(rootDir, opts.baseline).startsWith('..')) throw new UsageError(`--baseline must be inside this repository (${rootDir}), so that its imports resolve to this node_modules`);
    if (!fs.existsSync(path.join(opts.baseline, 'dist/src/main.js'))) throw new UsageError(`--baseline: ${opts.baseline}/dist/src/main.js does not exist`);
    opts.targets = opts.targets.flatMap((t) => (t.startsWith('t66-') ? [t, `${t}-base`] : [t]));
  }
  const counts = { duration: opts.durationS, rounds: opts.rounds, streams: opts.streamConcurrency, chunks: opts.chunks, chats: opts.chats, 'records-concurrency': opts.recordsConcurrency, 'ws-sockets': opts.wsSockets, 'ws-messages': opts.wsMessages };
  for (const [name, value] of Object.entries(counts)) if (!(Number.isFinite(value) && value > 0)) throw new UsageError(`--${name} must be a positive number`);
  if (opts.concurrency.length === 0 || !opts.concurrency.every((c) => Number.isInteger(c) && c > 0)) throw new UsageError('--concurrency must be a list of positive whole numbers');
  for (const [name, value] of Object.entries({ warmup: opts.warmupS, 'delay-ms': opts.delayMs, 'load-cpu': opts.loadCpu, 'server-cpu': opts.serverCpu })) if (!(Number.isFinite(value) && value >= 0)) throw new UsageError(`--${name} must be a number, 0 or more`);
  if (!opts.build && !fs.existsSync(path.join(rootDir, 'dist/src/main.js'))) throw new UsageError('--no-build: dist/src/main.js does not exist; run npm run build first, or leave --no-build out');
  return opts;
}

/** The JSON report is a file people share: a password in --pg-url stays out of it. */
function withoutPassword(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

const log = (message) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One bench at a time per machine: two runs pinned to the same CPUs would skew
 * each other. Waits for a running one to finish; a lock left by a dead process is taken over.
 */
async function takeMachineLock() {
  const file = path.join(os.tmpdir(), 't66-bench.lock');
  let warned = false;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => {
        if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const holder = Number(fs.readFileSync(file, 'utf8'));
    let alive = false;
    try {
      process.kill(holder, 0);
      alive = true;
    } catch {
      alive = false;
    }
    if (!alive) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (!warned) log(`another bench (pid ${holder}) is running on this machine; waiting for it to finish...`);
    warned = true;
    await sleep(2000);
  }
}

/** Soft limit of open files, from /proc/self/limits. */
function openFileLimit() {
  const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3]) || 1024;
}

async function register(baseUrl) {
  const res = await fetch(`${baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'bench-password-123', name: 'Bench' }),
  });
  const body = await res.json().catch(() => ({}));
  if (res.status !== 200 && res.status !== 201) throw new Error(`register answered ${res.status} ${JSON.stringify(body)}`);
  return { token: body.token, userId: body.user.id };
}

/** One completion, streamed or not; answers why it is unusable, or undefined. */
async function probeCompletion(target, stream) {
  try {
    const res = await fetch(target.completionsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...target.headers },
      body: stream ? target.streamBody : target.body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (res.status !== 200) return `a ${stream ? 'streamed' : 'plain'} completion answered ${res.status}: ${text.slice(0, 300)}`;
    if (!stream && !text.includes('"choices"')) return `a plain completion answered 200 without choices: ${text.slice(0, 300)}`;
    if (stream && !text.includes('data: [DONE]')) return `a streamed completion did not end with data: [DONE]: ${text.slice(0, 300)}`;
    return undefined;
  } catch (err) {
    return `a ${stream ? 'streamed' : 'plain'} completion failed: ${err.message}`;
  }
}

function completionBodies(model) {
  const messages = [{ role: 'user', content: 'Say hello to the benchmark.' }];
  return { body: JSON.stringify({ model, messages }), streamBody: JSON.stringify({ model, messages, stream: true }) };
}

async function main() {
  const opts = parseOptions(process.argv.slice(2), process.env);
  if (opts.rounds < 2) log('WARNING: --rounds below 2: each point should run at least twice.');
  const releaseLock = await takeMachineLock();
  const loadavgStart = os.loadavg();
  const cpus = os.availableParallelism(); // read before pinning ourselves, which narrows it to 1
  const pinned = hasCommand('taskset') && cpus >= 2;
  const loadCpu = pinned ? opts.loadCpu : undefined;
  const serverCpu = pinned ? opts.serverCpu : undefined;
  if (!pinned) log('WARNING: not pinning (taskset missing or a single CPU); figures are less comparable.');
  if (loadavgStart[0] > cpus / 2) log(`WARNING: the machine is busy (load average ${loadavgStart[0].toFixed(1)} on ${cpus} CPUs): figures will be noisy.`);
  // This orchestrator (and everything it spawns without another pin) stays off the server CPU.
  if (pinned) execFileSync('taskset', ['-a', '-p', '-c', String(loadCpu), String(process.pid)], { stdio: 'ignore' });

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = path.join(benchDir, 'results');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 't66-bench-'));
  const logDir = path.join(workDir, 'logs');
  fs.mkdirSync(logDir);
  fs.mkdirSync(resultsDir, { recursive: true });
  const profileDir = opts.profile ? path.join(resultsDir, `profiles-${stamp}`) : undefined;

  const cleanups = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const fn of cleanups.reverse()) await fn().catch((err) => log(`cleanup: ${err.message}`));
    if (opts.keepLogs) log(`logs kept in ${logDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
    releaseLock();
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      log(`${signal}: stopping servers and dropping the bench database...`);
      cleanup().finally(() => process.exit(130));
    });
  }

  const results = { meta: {}, options: { ...opts, pgUrl: withoutPassword(opts.pgUrl), scenarios: [...opts.scenarios] }, targets: [], scenarios: {}, checks: [] };
  try {
    const tool = chooseLoadGenerator(log);
    const needSockets = opts.scenarios.has(4) ? opts.wsSockets + 1024 : 0;
    const noFile = needSockets > openFileLimit() ? needSockets : undefined;
    if (noFile && !hasCommand('prlimit')) throw new Error(`--ws-sockets=${opts.wsSockets} needs ${needSockets} open files; raise ulimit -n`);

    log(`starting the fake upstream (${opts.chunks} chunks, ${opts.delayMs} ms apart)`);
    const upstream = await startUpstream({ cpu: serverCpu, logDir, chunks: opts.chunks, delayMs: opts.delayMs });
    cleanups.push(() => stop(upstream));
    const upstreamV1 = `http://127.0.0.1:${upstream.port}/v1`;
    const plain = completionBodies('gpt-4o-mini');
    const targets = [];

    for (const name of opts.targets) {
      const target = { name, isT66: name.startsWith('t66-'), isUpstream: name === 'direct' };
      targets.push(target);
      try {
        if (name === 'direct') {
          Object.assign(target, { pid: upstream.pid, completionsUrl: `${upstreamV1}/chat/completions`, headers: { Authorization: 'Bearer bench' }, ...plain });
        } else if (name === 'limit') {
          const proc = await startLimit({ cpu: serverCpu, logDir, upstreamPort: upstream.port });
          cleanups.push(() => stop(proc));
          Object.assign(target, { pid: proc.pid, completionsUrl: `http://127.0.0.1:${proc.port}/v1/chat/completions`, headers: { Authorization: 'Bearer bench' }, ...plain });
        } else if (name === 'sdk-floor') {
          if (results.meta.buildError === undefined) results.meta.buildError = opts.build ? (buildT66(log) ?? null) : null;
          if (results.meta.buildError) throw new Error(results.meta.buildError);
          const proc = await startSdkFloor({ cpu: serverCpu, logDir, upstreamPort: upstream.port });
          cleanups.push(() => stop(proc));
          Object.assign(target, { pid: proc.pid, completionsUrl: `http://127.0.0.1:${proc.port}/v1/chat/completions`, headers: { Authorization: 'Bearer bench' }, ...plain });
        } else if (name === 'peer') {
          ensurePeerInstalled(log);
          const proc = await startPeer({ cpu: serverCpu, logDir });
          cleanups.push(() => stop(proc));
          Object.assign(target, {
            pid: proc.pid,
            completionsUrl: `http://127.0.0.1:${proc.port}/v1/chat/completions`,
            headers: { Authorization: 'Bearer bench', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstreamV1 },
            ...plain,
          });
        } else {
          if (results.meta.buildError === undefined) results.meta.buildError = opts.build ? (buildT66(log) ?? null) : null;
          if (results.meta.buildError) throw new Error(results.meta.buildError);
          const kind = name.startsWith('t66-pg-') || name === 't66-pg' ? 'pg' : 'pglite';
          const distDir = name.endsWith('-base') ? path.join(opts.baseline, 'dist') : undefined;
          const dataDir = path.join(workDir, name);
          fs.mkdirSync(dataDir);
          let database;
          if (kind === 'pg') {
            database = await createBenchDatabase(opts.pgUrl);
            cleanups.push(() => dropBenchDatabase(database));
            log(`created database ${database.name}`);
          }
          const common = { name, cpu: serverCpu, logDir, dataDir, databaseUrl: database?.url, upstreamPort: upstream.port, logLevel: opts.t66LogLevel, extraEnv: opts.t66Env, noFile, distDir };
          log(`starting ${name} (first start: new ${kind === 'pg' ? 'database' : 'PGlite data dir'})`);
          const first = await startT66(common);
          let current = first;
          cleanups.push(() => stop(current));
          target.first_start = { start_ms: first.startMs, rss_kb: memory(first.pid).rssKb };
          const user = await register(first.baseUrl);
          // Measure a restart: what a user's server looks like on every start after the first.
          await stop(first);
          if (opts.scenarios.has(3)) {
            const seedStarted = Date.now();
            try {
              if (database) await seedChatsPostgres(database.url, user.userId, opts.chats, opts.model);
              else await seedChatsPglite(dataDir, user.userId, opts.chats, opts.model);
              target.seeded = { chats: opts.chats, ms: Date.now() - seedStarted };
            } catch (err) {
              target.seedError = `seeding ${opts.chats} chats failed: ${err.message}`;
              log(`${name}: ${target.seedError}`);
            }
          }
          current = await startT66({ ...common, port: first.port, cpuProfDir: profileDir });
          const proc = current;
          Object.assign(target, {
            pid: proc.pid,
            baseUrl: proc.baseUrl,
            token: user.token,
            userId: user.userId,
            start_ms: proc.startMs,
            completionsUrl: `${proc.baseUrl}/api/chat/completions`,
            headers: { Authorization: `Bearer ${user.token}` },
            ...completionBodies(opts.model),
          });
          if (database) {
            target.pgMeter = backendCpuMeter(database);
            cleanups.push(() => target.pgMeter.close());
          }
        }
      } catch (err) {
        target.unavailable = err.message.split('\n')[0];
        log(`${name} unavailable: ${err.message}`);
      }
    }

    await sleep(2000);
    for (const target of targets.filter((t) => !t.unavailable)) {
      target.idle_rss_kb = memory(target.pid).rssKb;
      const plainWhy = await probeCompletion(target, false);
      const streamWhy = await probeCompletion(target, true);
      target.completions = plainWhy;
      target.streaming = streamWhy;
      if (plainWhy) log(`${target.name}: plain completions unavailable: ${plainWhy}`);
      if (streamWhy) log(`${target.name}: streaming unavailable: ${streamWhy}`);
    }

    results.meta = {
      ...results.meta,
      date: new Date().toISOString(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      cpus,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      kernel: os.release(),
      node: process.version,
      loadGenerator: tool,
      loadCpu: opts.loadCpu,
      serverCpu: opts.serverCpu,
      pinned,
      durationS: opts.durationS,
      rounds: opts.rounds,
      streamConcurrency: opts.streamConcurrency,
      chunks: opts.chunks,
      delayMs: opts.delayMs,
      chats: opts.chats,
      recordsConcurrency: opts.recordsConcurrency,
      model: opts.model,
      t66LogLevel: opts.t66LogLevel,
      loadavgStart,
    };
    const ctx = { opts, log, tool, loadCpu, upstream, scratchDir: workDir, noFile };
    const live = targets.filter((t) => !t.unavailable);
    const t66 = live.filter((t) => t.isT66);

    if (opts.scenarios.has(1) || opts.scenarios.has(5)) {
      log('scenario 1: non-streaming completions');
      const s1 = await scenarios.nonStreaming(ctx, live.filter((t) => !t.completions));
      results.scenarios.nonStreaming = { rows: aggregateNonStreaming(s1.points), points: s1.points };
      results.scenarios.memory = { peak: s1.peakRss };
    }
    if (opts.scenarios.has(2)) {
      log('scenario 2: streaming completions');
      const s2 = await scenarios.streaming(ctx, live.filter((t) => !t.streaming));
      results.scenarios.streaming = { rows: aggregateStreaming(s2.points), points: s2.points };
    }
    if (opts.scenarios.has(3)) {
      log('scenario 3: records');
      const s3 = await scenarios.records(ctx, t66);
      results.scenarios.records = { ...s3, rows: aggregateRecords(s3.points) };
    }
    if (opts.scenarios.has(4)) {
      log(`scenario 4: WebSocket fan-out (${opts.wsSockets} sockets)`);
      const s4 = await scenarios.fanout(ctx, t66);
      results.scenarios.fanout = { ...s4, rows: aggregateFanout(s4.points) };
    }
    results.meta.loadavgEnd = os.loadavg();
    results.targets = targets.map(({ pgMeter, token, headers, ...t }) => t);
    results.checks = evaluateTargets(results);

    const report = markdown(results);
    process.stdout.write(`${report}\n`);
    const base = path.join(resultsDir, `bench-${stamp}`);
    fs.writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(`${base}.md`, `${report}\n`);
    log(`wrote ${path.relative(process.cwd(), base)}.json and .md`);
  } finally {
    await cleanup();
    if (profileDir) log(`CPU profiles of T66 in ${profileDir} (summarise: node bench/profile-summary.mjs ${path.relative(process.cwd(), profileDir)})`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    if (err instanceof UsageError) {
      log(err.message);
      process.exit(2);
    }
    log(`failed: ${err.stack ?? err}`);
    process.exit(1);
  },
);
