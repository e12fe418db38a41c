// The benchmark's own parts (bench/): the fake upstream must speak OpenAI's wire
// format well enough for the real SDK and for T66, the limit proxy must pass
// answers through unchanged, and the PASS/MISS verdicts must follow the issue's
// thresholds. The bench itself is `npm run bench`, not part of this suite.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser } from '../support/factories.js';
import { openaiClient } from '../completions/support.js';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench');
const CHUNKS = 4;

interface Row {
  target: string;
  connections?: number;
  rps_vs_limit?: number;
  p99_added_vs_limit_us?: number;
  ttft_p50_added_vs_limit_us?: number;
  errors: number;
}
interface Check {
  target: string;
  check: string;
  pass: boolean | null;
  why?: string;
}
interface Report {
  evaluateTargets(results: {
    targets: { name: string; isT66?: boolean; idle_rss_kb?: number }[];
    scenarios: { nonStreaming?: { rows: Row[] }; streaming?: { rows: Row[] } };
  }): Check[];
}

const children: ChildProcess[] = [];

/** Starts one of bench/'s servers and answers its port once it prints `listening <port>`. */
function startBenchServer(script: string, args: string[]): Promise<number> {
  const child = spawn(process.execPath, [path.join(benchDir, script), '--port=0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.stdout!.on('data', (data: Buffer) => {
      const port = /listening (\d+)/.exec(data.toString())?.[1];
      if (port) resolve(Number(port));
    });
  });
}

let upstreamPort: number;
let limitPort: number;

beforeAll(async () => {
  upstreamPort = await startBenchServer('fake-upstream.mjs', [`--chunks=${CHUNKS}`, '--delay-ms=1']);
  limitPort = await startBenchServer('limit-proxy.mjs', [`--upstream=http://127.0.0.1:${upstreamPort}`]);
});
afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
});

const expectedText = Array.from({ length: CHUNKS }, (_, i) => `tok${i} `).join('');

describe('the fake upstream, called with the openai SDK', () => {
  const sdk = () => new OpenAI({ baseURL: `http://127.0.0.1:${upstreamPort}/v1`, apiKey: 'bench', maxRetries: 0 });

  it('answers a completion with usage', async () => {
    const completion = await sdk().chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0].message.content).toBe('Hello from the bench upstream.');
    expect(completion.usage?.total_tokens).toBe(19);
  });

  it("streams chunks the SDK's stream helper accumulates, with usage last", async () => {
    const stream = sdk().chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0].message.content).toBe(expectedText);
    expect(final.choices[0].finish_reason).toBe('stop');
    expect(final.usage?.completion_tokens).toBe(CHUNKS);
  });
});

describe('the limit proxy', () => {
  async function post(port: number, body: object) {
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  }

  it('passes a completion through byte for byte', async () => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
    expect(await post(limitPort, body)).toEqual(await post(upstreamPort, body));
  });

  it('passes a stream through frame for frame', async () => {
    const body = { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] };
    const proxied = await post(limitPort, body);
    expect(proxied).toEqual(await post(upstreamPort, body));
    expect(proxied.type).toBe('text/event-stream');
    expect(proxied.text.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});

describe('T66 on the fake upstream, as the bench runs it', () => {
  let server: TestServer;
  let sdk: OpenAI;

  beforeAll(async () => {
    server = await startTestServer({ env: { OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`, OPENAI_API_KEY: 'bench' } });
    sdk = openaiClient(server, (await createUser(server.api)).token);
  });
  afterAll(() => server?.close());

  it('answers the bench model without streaming', async () => {
    const completion = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0].message.content).toBe('Hello from the bench upstream.');
  });

  it('streams every chunk of the bench upstream', async () => {
    const stream = await sdk.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(expectedText);
  });
});

describe("the bench's PASS/MISS verdicts", () => {
  let report: Report;
  beforeAll(async () => {
    // bench/ is plain JavaScript outside the TypeScript project, so its module is typed here by hand.
    const modulePath: string = path.join(benchDir, 'lib/report.mjs');
    report = (await import(modulePath)) as Report;
  });

  const limit = { target: 'limit', connections: 16, errors: 0 };
  function verdicts(t66: Partial<Row>, stream: Partial<Row>, idleRssMb = 100) {
    const checks = report.evaluateTargets({
      targets: [{ name: 't66-pg', isT66: true, idle_rss_kb: idleRssMb * 1024 }],
      scenarios: {
        nonStreaming: { rows: [limit, { target: 't66-pg', connections: 16, errors: 0, rps_vs_limit: 0.6, p99_added_vs_limit_us: 1000, ...t66 }] },
        streaming: { rows: [{ target: 'limit', errors: 0 }, { target: 't66-pg', errors: 0, ttft_p50_added_vs_limit_us: 500, ...stream }] },
      },
    });
    return Object.fromEntries(checks.map((c) => [c.check, c.pass]));
  }

  it.each([
    ['throughput at half of limit passes', { rps_vs_limit: 0.5 }, {}, 100, 'non-streaming c=16: req/s ≥ 50% of limit', true],
    ['throughput just under half misses', { rps_vs_limit: 0.499 }, {}, 100, 'non-streaming c=16: req/s ≥ 50% of limit', false],
    ['errors fail the throughput check', { errors: 3 }, {}, 100, 'non-streaming c=16: req/s ≥ 50% of limit', false],
    ['p99 exactly 5 ms over passes', { p99_added_vs_limit_us: 5000 }, {}, 100, 'non-streaming c=16: p99 added over limit ≤ 5 ms', true],
    ['p99 over 5 ms misses', { p99_added_vs_limit_us: 5001 }, {}, 100, 'non-streaming c=16: p99 added over limit ≤ 5 ms', false],
    ['TTFT 2 ms over passes', {}, { ttft_p50_added_vs_limit_us: 2000 }, 100, 'streaming: TTFT p50 added over limit ≤ 2 ms', true],
    ['TTFT over 2 ms misses', {}, { ttft_p50_added_vs_limit_us: 2100 }, 100, 'streaming: TTFT p50 added over limit ≤ 2 ms', false],
    ['stream errors fail TTFT', {}, { errors: 1 }, 100, 'streaming: TTFT p50 added over limit ≤ 2 ms', false],
    ['150 MB idle passes', {}, {}, 150, 'idle RSS ≤ 150 MB', true],
    ['151 MB idle misses', {}, {}, 151, 'idle RSS ≤ 150 MB', false],
  ])('%s', (_name, t66, stream, idleMb, check, expected) => {
    expect(verdicts(t66, stream, idleMb)[check]).toBe(expected);
  });

  it('says n/a, not PASS, when limit was not measured', () => {
    const checks = report.evaluateTargets({
      targets: [{ name: 't66-pg', isT66: true }],
      scenarios: { nonStreaming: { rows: [{ target: 't66-pg', connections: 16, errors: 0, rps_vs_limit: 1 }] } },
    });
    const throughput = checks.find((c) => c.check.startsWith('non-streaming c=16: req/s'));
    expect(throughput).toMatchObject({ pass: null, why: 'limit not measured' });
  });
});

describe('npm run bench with a wrong invocation', () => {
  it.each([
    [['--bogus'], 'unknown argument --bogus'],
    [['--targets=nonsense'], 'unknown target nonsense'],
    [['--targets='], '--targets is empty'],
    [['--scenarios=9'], 'unknown scenario 9'],
    [['--duration=abc'], '--duration must be a positive number'],
    [['--concurrency=1,x'], '--concurrency must be a list of positive whole numbers'],
    [['--warmup=-1'], '--warmup must be a number, 0 or more'],
    [['--baseline=bench/results/nowhere'], 'bench/results/nowhere/dist/src/main.js does not exist'],
    [['--baseline=/tmp'], '--baseline must be inside this repository'],
    [['--targets=t66-pg-base'], 't66-pg-base is not a target to name'],
    [['--scenarios=abc'], 'unknown scenario abc'],
  ])('%j stops at once with one line that says why', (args, message) => {
    // It must fail before taking the machine lock or starting anything, so this is quick even while a bench runs.
    const run = spawnSync(process.execPath, [path.join(benchDir, 'run.mjs'), ...args], { cwd: path.dirname(benchDir), encoding: 'utf8', timeout: 10_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
