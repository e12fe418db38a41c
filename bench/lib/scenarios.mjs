// The five scenarios of the benchmark. Each answers raw points (one per target,
// setting and round); lib/report.mjs aggregates them. Points are interleaved:
// every target runs once before any target runs again (A B A B).
import { cpuMicros, memory, resetPeak, sampleRss } from './proc.mjs';
import { runPoint, runStreams, startFanout } from './load.mjs';
import { TOPICS } from './seed.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU spent by the target (and the upstream, and PostgreSQL backends) around one load run. */
async function metered(ctx, target, run) {
  const before = { cpu: cpuMicros(target.pid), upstream: cpuMicros(ctx.upstream.pid), db: await target.pgMeter?.snapshot() };
  const result = await run();
  const after = { cpu: cpuMicros(target.pid), upstream: cpuMicros(ctx.upstream.pid), db: await target.pgMeter?.snapshot() };
  const units = result.requests ?? result.streams ?? 0;
  const per = (spent) => (units > 0 && spent !== null ? spent / units : null);
  return {
    ...result,
    // "direct" has no gateway: its own process is the upstream.
    cpu_us_per_unit: target.isUpstream ? null : per(after.cpu - before.cpu),
    upstream_cpu_us_per_unit: per(after.upstream - before.upstream),
    db_cpu_us_per_unit: target.pgMeter ? per(target.pgMeter.spent(before.db, after.db)) : null,
  };
}

function completionPoint(ctx, target, { connections, durationS, stream }) {
  return runPoint({
    tool: ctx.tool,
    cpu: ctx.loadCpu,
    url: target.completionsUrl,
    method: 'POST',
    body: stream ? target.streamBody : target.body,
    headers: { 'Content-Type': 'application/json', ...target.headers },
    connections,
    durationS,
    scratchDir: ctx.scratchDir,
  });
}

/** Scenario 1: non-streaming completions at each concurrency; also samples the T66 RSS peak (scenario 5). */
export async function nonStreaming(ctx, targets) {
  const { opts, log } = ctx;
  for (const target of targets) {
    log(`  warm-up ${target.name} (${opts.warmupS}s, c=16)`);
    await completionPoint(ctx, target, { connections: 16, durationS: opts.warmupS });
  }
  const watched = targets.filter((t) => !t.isUpstream);
  const peaks = new Map(watched.map((t) => [t.name, { reset: resetPeak(t.pid), sampler: sampleRss(t.pid) }]));
  const points = [];
  for (const connections of opts.concurrency) {
    for (let round = 1; round <= opts.rounds; round++) {
      for (const target of targets) {
        const point = await metered(ctx, target, () => completionPoint(ctx, target, { connections, durationS: opts.durationS }));
        log(`  ${target.name} c=${connections} round ${round}: ${point.rps.toFixed(0)} req/s, p99 ${(point.latency_us.p99 / 1000).toFixed(2)} ms${point.error_count ? `, ${point.error_count} errors` : ''}`);
        points.push({ target: target.name, connections, round, ...point });
      }
    }
  }
  const peakRss = {};
  for (const [name, { reset, sampler }] of peaks) {
    const sampled = sampler.stop();
    const target = watched.find((t) => t.name === name);
    peakRss[name] = { kb: reset ? Math.max(memory(target.pid).hwmKb, sampled) : sampled, method: reset ? 'VmHWM after clear_refs, and 100 ms samples' : '100 ms samples of VmRSS' };
  }
  return { points, peakRss };
}

/** Scenario 2: `opts.streamConcurrency` concurrent streams. */
export async function streaming(ctx, targets) {
  const { opts, log } = ctx;
  const run = (target, durationS) =>
    runStreams({
      cpu: ctx.loadCpu,
      url: target.completionsUrl,
      headers: target.headers,
      body: target.streamBody,
      concurrency: opts.streamConcurrency,
      durationS,
    });
  for (const target of targets) await run(target, opts.warmupS);
  const points = [];
  for (let round = 1; round <= opts.rounds; round++) {
    for (const target of targets) {
      const point = await metered(ctx, target, () => run(target, opts.durationS));
      log(`  ${target.name} streams round ${round}: ${point.streams} streams, TTFT p50 ${(point.ttft_us.p50 / 1000).toFixed(2)} ms${point.error_count ? `, errors ${JSON.stringify(point.errors)}` : ''}`);
      points.push({ target: target.name, round, ...point });
    }
  }
  return { points };
}

async function api(target, method, path, body) {
  const res = await fetch(`${target.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${target.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

function refusal(what, answer) {
  const code = answer.json?.error?.code;
  return `${what} answered ${answer.status}${code ? ` ${code}` : ''}`;
}

/** Scenario 3: list 30 of the user's chats with a filter and a sort; create a message. */
export async function records(ctx, targets) {
  const { opts, log } = ctx;
  const filter = `title ~ '${TOPICS[0]}'`;
  const listPath = `/api/collections/chats/records?perPage=30&sort=-created&filter=${encodeURIComponent(filter)}`;
  const ready = [];
  const unavailable = {};
  for (const target of targets) {
    if (target.seedError) {
      unavailable[target.name] = target.seedError;
      continue;
    }
    const chat = await api(target, 'POST', '/api/collections/chats/records', { title: 'bench messages' });
    const listed = await api(target, 'GET', listPath);
    const probe = chat.status === 200 ? await api(target, 'POST', '/api/collections/messages/records', { chat: chat.json.id, content: 'probe', role: 'user' }) : chat;
    const all = await api(target, 'GET', '/api/collections/chats/records?perPage=1');
    if (listed.status !== 200) unavailable[target.name] = refusal(`GET ${listPath}`, listed);
    else if (all.json?.totalItems < opts.chats) unavailable[target.name] = `the user has ${all.json?.totalItems} chats, not ${opts.chats}`;
    else if (listed.json.items?.length !== 30) unavailable[target.name] = `the filtered list answered ${listed.json.items?.length} items, not 30`;
    else if (probe.status !== 200) unavailable[target.name] = refusal('POST /api/collections/messages/records', probe);
    else ready.push({ target, chatId: chat.json.id, matching: listed.json.totalItems });
  }
  const operations = [
    { op: 'list chats (filter + sort, 30 of 10k)', method: 'GET', path: () => listPath },
    { op: 'create message', method: 'POST', path: () => '/api/collections/messages/records', body: (r) => JSON.stringify({ chat: r.chatId, content: 'A message from the benchmark.', role: 'user' }) },
  ];
  const points = [];
  for (const operation of operations) {
    for (let round = 1; round <= opts.rounds; round++) {
      for (const r of ready) {
        const point = await metered(ctx, r.target, () =>
          runPoint({
            tool: ctx.tool,
            cpu: ctx.loadCpu,
            url: `${r.target.baseUrl}${operation.path(r)}`,
            method: operation.method,
            body: operation.body?.(r),
            headers: { Authorization: `Bearer ${r.target.token}`, ...(operation.body ? { 'Content-Type': 'application/json' } : {}) },
            connections: opts.recordsConcurrency,
            durationS: opts.durationS,
            scratchDir: ctx.scratchDir,
          }),
        );
        log(`  ${r.target.name} ${operation.op} round ${round}: ${point.rps.toFixed(0)} req/s, p99 ${(point.latency_us.p99 / 1000).toFixed(2)} ms${point.error_count ? `, ${point.error_count} errors` : ''}`);
        points.push({ target: r.target.name, op: operation.op, round, ...point });
      }
    }
  }
  return { points, unavailable, seeding: Object.fromEntries(targets.filter((t) => t.seeded).map((t) => [t.name, t.seeded])), filter, matching: Object.fromEntries(ready.map((r) => [r.target.name, r.matching])) };
}

/**
 * Scenario 4: `opts.wsSockets` sockets in one room per T66 target; REST message
 * create -> receipt on every socket. Every target's sockets stay open while the
 * targets take turns, round by round.
 */
export async function fanout(ctx, targets) {
  const { opts, log } = ctx;
  const clients = [];
  const unavailable = {};
  const setups = {};
  for (const target of targets) {
    const chat = await api(target, 'POST', '/api/collections/chats/records', { title: 'bench fan-out room' });
    if (chat.status !== 200) {
      unavailable[target.name] = refusal('POST /api/collections/chats/records', chat);
      continue;
    }
    log(`  ${target.name}: opening ${opts.wsSockets} sockets in one room...`);
    const client = await startFanout({
      cpu: ctx.loadCpu,
      baseUrl: target.baseUrl,
      token: target.token,
      chatId: chat.json.id,
      sockets: opts.wsSockets,
      messages: opts.wsMessages,
      timeoutMs: 10_000,
      noFile: ctx.noFile,
    });
    setups[target.name] = { ...client.setup, server_rss_kb: memory(target.pid).rssKb };
    if (client.setup.unavailable) {
      unavailable[target.name] = client.setup.unavailable;
      log(`  ${target.name} fan-out unavailable: ${client.setup.unavailable}`);
      await client.close();
      continue;
    }
    log(`  ${target.name}: ${client.setup.sockets_in_room}/${opts.wsSockets} sockets in the room after ${(client.setup.setup_ms / 1000).toFixed(1)} s`);
    clients.push({ target, client });
  }
  const points = [];
  try {
    for (let round = 1; round <= opts.rounds; round++) {
      for (const { target, client } of clients) {
        if (unavailable[target.name]) continue;
        const cpuBefore = cpuMicros(target.pid);
        const result = await client.round();
        if (result.unavailable) {
          unavailable[target.name] = result.unavailable;
          continue;
        }
        result.server_cpu_us_per_message = (cpuMicros(target.pid) - cpuBefore) / result.messages;
        result.server_rss_kb = memory(target.pid).rssKb;
        log(`  ${target.name} fan-out round ${round}: p50 ${(result.latency_us.p50 / 1000).toFixed(2)} ms, p99 ${(result.latency_us.p99 / 1000).toFixed(2)} ms to ${result.sockets_in_room} sockets`);
        points.push({ target: target.name, round, ...result });
      }
    }
  } finally {
    for (const { client } of clients) await client.close();
  }
  return { points, unavailable, setups };
}
