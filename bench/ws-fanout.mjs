// WebSocket fan-out: SOCKETS sockets join one chat room; then MESSAGES times a
// message is created over REST and the time from sending that request to its
// `message.created` frame arriving is taken on every socket. Run it pinned to
// the load-generator CPU.
//
//   node bench/ws-fanout.mjs '<json {baseUrl, token, chatId, sockets, messages, timeoutMs}>'
// Opens and joins every socket, then prints one JSON line (the setup, or
// {"unavailable": reason}). Each `round` line on stdin then runs MESSAGES
// messages and prints one JSON line of percentiles (µs). It exits at the end of stdin.
import { createRequire } from 'node:module';

// T66's own ws (root node_modules), not the peer's copy under bench/node_modules.
const { WebSocket } = createRequire(new URL('../package.json', import.meta.url))('ws');

const job = JSON.parse(process.argv[2]);
const wsUrl = `${job.baseUrl.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(job.token)}`;
const joinFrame = JSON.stringify({ type: 'join', chat_id: job.chatId });

let current; // {nonce, started, seen: Set, latencies: number[], done()}

function openSocket(index) {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      resolve({ error: 'timeout' });
    }, job.openTimeoutMs ?? 30_000);
    ws.on('open', () => {
      clearTimeout(timer);
      ws.send(joinFrame);
      resolve({ ws });
    });
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      resolve({ error: `http_${res.statusCode}` });
    });
    ws.on('error', () => {
      clearTimeout(timer);
      resolve({ error: 'error' });
    });
    ws.on('message', (data) => {
      const round = current;
      if (!round || round.seen.has(index) || !data.includes(round.nonce)) return;
      round.seen.add(index);
      round.latencies.push(Number(process.hrtime.bigint() - round.started) / 1000);
      if (round.seen.size === round.expected) round.done();
    });
  });
}

async function createMessage(content) {
  const res = await fetch(`${job.baseUrl}/api/collections/messages/records`, {
    method: 'POST',
    headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ chat: job.chatId, content, role: 'user' }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** One message to the room; resolves when every expected socket has it, or at the timeout. */
async function broadcast(nonce, expected, timeoutMs = job.timeoutMs) {
  const round = { nonce, expected, seen: new Set(), latencies: [], started: 0n };
  const all = new Promise((resolve) => {
    round.done = resolve;
    setTimeout(resolve, timeoutMs);
  });
  current = round;
  round.started = process.hrtime.bigint();
  const status = await createMessage(`bench fan-out ${nonce}`);
  const restUs = Number(process.hrtime.bigint() - round.started) / 1000;
  if (status !== 200) {
    current = undefined;
    return { status, restUs, round };
  }
  await all;
  current = undefined;
  return { status, restUs, round };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const opened = [];
const failures = {};
const closes = {};
const setupStarted = Date.now();
for (let i = 0; i < job.sockets; i += 50) {
  const batch = await Promise.all(Array.from({ length: Math.min(50, job.sockets - i) }, (_, k) => openSocket(i + k)));
  for (const r of batch) {
    if (!r.ws) {
      failures[r.error] = (failures[r.error] ?? 0) + 1;
      continue;
    }
    opened.push(r.ws);
    r.ws.on('close', (code) => (closes[code] = (closes[code] ?? 0) + 1));
  }
}

const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
let inRoom = 0;
const ready = { sockets_requested: job.sockets, sockets_open: opened.length, open_failures: failures };
if (opened.length === 0) ready.unavailable = `no socket opened (${JSON.stringify(failures)})`;
else {
  // Warm-up message: proves the joins took effect and lets the presence traffic of the joins drain.
  const warm = await broadcast(`warm${Date.now()}`, opened.length, 60_000);
  inRoom = warm.round.seen.size;
  Object.assign(ready, { setup_ms: Date.now() - setupStarted, sockets_in_room: inRoom, closed: closes });
  if (warm.status !== 200) ready.unavailable = `creating a message answered ${warm.status}`;
  else if (inRoom === 0) ready.unavailable = 'no socket received message.created within the timeout';
}
say(ready);

/** One measured round: `job.messages` messages, one after the other. */
async function measureRound() {
  const all = [];
  const lastSocket = [];
  const rest = [];
  let missed = 0;
  for (let m = 0; m < job.messages; m++) {
    const { status, restUs, round } = await broadcast(`n${m}x${Date.now()}`, inRoom);
    if (status !== 200) return { unavailable: `creating a message answered ${status}` };
    rest.push(restUs);
    all.push(...round.latencies);
    missed += inRoom - round.seen.size;
    lastSocket.push(round.latencies.length ? Math.max(...round.latencies) : job.timeoutMs * 1000);
    await new Promise((r) => setTimeout(r, 20));
  }
  all.sort((a, b) => a - b);
  lastSocket.sort((a, b) => a - b);
  rest.sort((a, b) => a - b);
  return {
    sockets_requested: job.sockets,
    sockets_in_room: inRoom,
    messages: lastSocket.length,
    deliveries: all.length,
    missed,
    closed: { ...closes },
    latency_us: { p50: percentile(all, 50), p99: percentile(all, 99), max: all.at(-1) ?? null },
    all_sockets_us: { p50: percentile(lastSocket, 50), p99: percentile(lastSocket, 99) },
    rest_create_us: { p50: percentile(rest, 50), p99: percentile(rest, 99) },
  };
}

// The orchestrator asks for rounds over stdin, so targets can take turns (A B A B) while every socket stays open.
let queue = Promise.resolve();
process.stdin.setEncoding('utf8');
let pending = '';
process.stdin.on('data', (text) => {
  pending += text;
  let newline;
  while ((newline = pending.indexOf('\n')) >= 0) {
    const command = pending.slice(0, newline).trim();
    pending = pending.slice(newline + 1);
    if (command === 'round') queue = queue.then(async () => say(ready.unavailable ? { unavailable: ready.unavailable } : await measureRound()));
  }
});
process.stdin.on('end', () =>
  queue.then(() => {
    for (const ws of opened) ws.terminate();
    process.exit(0);
  }),
);
