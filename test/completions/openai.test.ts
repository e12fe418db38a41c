import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startTestServer, type TestServer } from '../support/server.js';
import { raw } from '../support/client.js';
import { createUser, uploadTestFile, type TestUser } from '../support/factories.js';
import { OPENAI_TEST_KEY, startFakeOpenAI, type FakeOpenAI } from '../support/fakes/fake-openai.js';
import { catalogueFile, model, openaiClient, rawStream, storeUserKeys, usageRows, userMessage } from './support.js';

let fake: FakeOpenAI;
let server: TestServer;
let alice: TestUser;
let sdk: OpenAI;

const TIMEOUT_MS = 700;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  const models = await catalogueFile({
    models: [
      model('gpt-4o', 'openai', { fallbacks: ['gpt-4o-mini'], pricing: { input: 0.0025, output: 0.01 }, vision: true }),
      model('gpt-4o-mini', 'openai', { pricing: { input: 0.00015, output: 0.0006 } }),
      model('solo', 'openai'),
    ],
  });
  server = await startTestServer({
    env: {
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: OPENAI_TEST_KEY,
      T66_MODELS_FILE: models,
      T66_UPSTREAM_RETRIES: '2',
      T66_UPSTREAM_RETRY_BASE_MS: '10',
      T66_UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
      T66_SSE_PING_MS: '50',
    },
  });
  alice = await createUser(server.api);
  sdk = openaiClient(server, alice.token);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
  fake.queue.length = 0;
});

const lastCall = () => fake.calls[fake.calls.length - 1];

describe('forwarding to an OpenAI-compatible server', () => {
  it("sends the upstream model name, the server's key and the client's fields; answers with the T66 model id", async () => {
    const answer = await sdk.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'system', content: 'Be terse' }, ...userMessage('Hi')],
      temperature: 0.2,
      seed: 7,
      logit_bias: { '50256': -100 },
      response_format: { type: 'json_object' },
      user: 'end-user-1',
    });
    expect(answer).toMatchObject({ object: 'chat.completion', model: 'gpt-4o' });
    expect(answer.choices[0].message.content).toBe('Hello from the fake provider.');
    expect(answer.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 });
    expect(fake.calls).toHaveLength(1);
    expect(lastCall().headers.authorization).toBe(`Bearer ${OPENAI_TEST_KEY}`);
    expect(lastCall().body).toEqual({
      model: 'gpt-4o-upstream',
      messages: [{ role: 'system', content: 'Be terse' }, { role: 'user', content: 'Hi' }],
      temperature: 0.2,
      seed: 7,
      logit_bias: { '50256': -100 },
      response_format: { type: 'json_object' },
      user: 'end-user-1',
      stream: false,
    });
  });

  it('returns tool calls of a non-streamed answer', async () => {
    fake.queue.push({
      kind: 'answer',
      answer: { text: [], toolCalls: [{ id: 'call_1', name: 'get_weather', args: ['{"city":', '"Paris"}'] }], finish: 'tool_calls' },
    });
    const answer = await sdk.chat.completions.create({
      model: 'gpt-4o',
      messages: userMessage('Weather?'),
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    expect(answer.choices[0].finish_reason).toBe('tool_calls');
    expect(answer.choices[0].message.content).toBeNull();
    const call = answer.choices[0].message.tool_calls![0];
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
  });
});

describe('streaming fidelity', () => {
  it('streams role first, one finish_reason, and the usage chunk just before [DONE] when asked', async () => {
    const stream = await rawStream(server, alice.token, {
      model: 'gpt-4o',
      messages: userMessage('Hi'),
      stream_options: { include_usage: true },
    });
    expect(stream.status).toBe(200);
    expect(stream.done).toBe(true);
    const [first] = stream.frames;
    expect(first.choices[0].delta.role).toBe('assistant');
    for (const frame of stream.frames) expect(frame).toMatchObject({ id: first.id, object: 'chat.completion.chunk', model: 'gpt-4o', created: first.created });
    expect(stream.frames.flatMap((f) => f.choices).filter((c) => c.finish_reason)).toEqual([expect.objectContaining({ index: 0, finish_reason: 'stop' })]);
    const last = stream.frames[stream.frames.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 5 });
    expect(stream.frames.slice(0, -1).every((f) => !f.usage)).toBe(true);
    expect(stream.frames.map((f) => f.choices[0]?.delta.content ?? '').join('')).toBe('Hello from the fake provider.');
  });

  it('asks the upstream for usage, but sends no usage chunk to a client that did not ask', async () => {
    const stream = await rawStream(server, alice.token, { model: 'gpt-4o', messages: userMessage('Hi') });
    expect(lastCall().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(stream.frames.some((f) => f.usage)).toBe(false);
    expect(stream.frames.every((f) => f.choices.length === 1)).toBe(true);
  });

  it('lets the SDK .stream() helper accumulate streamed tool calls', async () => {
    fake.queue.push({
      kind: 'answer',
      answer: {
        text: [],
        toolCalls: [
          { id: 'call_a', name: 'get_weather', args: ['{"ci', 'ty": "Pa', 'ris"}'] },
          { id: 'call_b', name: 'get_time', args: ['{"tz":', ' "CET"}'] },
        ],
        finish: 'tool_calls',
      },
    });
    const runner = sdk.chat.completions.stream({
      model: 'gpt-4o',
      messages: userMessage('Weather and time?'),
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } },
      ],
    });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0].finish_reason).toBe('tool_calls');
    const calls = final.choices[0].message.tool_calls!.map((c) => (c.type === 'function' ? [c.id, c.function.name, JSON.parse(c.function.arguments)] : []));
    expect(calls).toEqual([
      ['call_a', 'get_weather', { city: 'Paris' }],
      ['call_b', 'get_time', { tz: 'CET' }],
    ]);
  });

  it('sends `: ping` comments while the first token is slow, and the answer still arrives', async () => {
    fake.queue.push({ kind: 'answer', answer: { delayFirstMs: 300 } });
    const stream = await rawStream(server, alice.token, { model: 'gpt-4o', messages: userMessage('Slow') });
    const firstPing = stream.text.indexOf(': ping\n\n');
    const firstContent = stream.text.indexOf('"content":"Hello"');
    expect(firstPing).toBeGreaterThanOrEqual(0);
    expect(firstPing).toBeLessThan(firstContent);
    expect(stream.done).toBe(true);
  });
});

describe('upstream failures before the first byte', () => {
  it('keeps a 429 with its retry-after, without waiting for a long retry-after', async () => {
    fake.queue.push({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Rate limit reached', headers: { 'retry-after': '7' } });
    const err = await sdk.chat.completions.create({ model: 'solo', messages: userMessage('Hi'), stream: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimited = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimited.status).toBe(429);
    expect(rateLimited.headers.get('retry-after')).toBe('7');
    expect(rateLimited.error).toMatchObject({ code: 'upstream_rate_limited', details: { retry_after: 7 } });
    expect(fake.calls).toHaveLength(1);
  });

  it('retries a 429 whose retry-after is short, and succeeds', async () => {
    fake.queue.push({ kind: 'error', status: 429, message: 'Slow down', headers: { 'retry-after': '0' } });
    const answer = await sdk.chat.completions.create({ model: 'solo', messages: userMessage('Hi') });
    expect(answer.choices[0].message.content).toBe('Hello from the fake provider.');
    expect(fake.calls).toHaveLength(2);
  });

  it('falls back to the next catalogue model after retrying a 500, and names the requested model', async () => {
    const bob = await createUser(server.api);
    for (let i = 0; i < 3; i++) fake.queue.push({ kind: 'error', status: 500, message: 'boom' });
    const answer = await openaiClient(server, bob.token).chat.completions.create({ model: 'gpt-4o', messages: userMessage('Hi'), stream: false });
    expect(answer.model).toBe('gpt-4o');
    expect(fake.calls.map((c) => c.body.model)).toEqual(['gpt-4o-upstream', 'gpt-4o-upstream', 'gpt-4o-upstream', 'gpt-4o-mini-upstream']);
    const [row] = await usageRows(server, bob.user.id);
    expect(row).toMatchObject({ model: 'gpt-4o-mini', provider: 'openai', status: 'ok', prompt_tokens: 11, completion_tokens: 5 });
    expect(row.cost).toBeCloseTo((11 * 0.00015 + 5 * 0.0006) / 1000, 12);
  });

  it('answers 502 when every model fails with 5xx', async () => {
    for (let i = 0; i < 6; i++) fake.queue.push({ kind: 'error', status: 503, message: 'overloaded' });
    const err = await sdk.chat.completions.create({ model: 'gpt-4o', messages: userMessage('Hi') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'upstream_error' });
    expect(fake.calls).toHaveLength(6);
  });

  it("keeps a 400 with the upstream's message, and does not retry it", async () => {
    fake.queue.push({ kind: 'error', status: 400, type: 'invalid_request_error', message: "Invalid value for 'logit_bias'." });
    const err = await sdk.chat.completions.create({ model: 'gpt-4o', messages: userMessage('Hi') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("Invalid value for 'logit_bias'.");
    expect(fake.calls).toHaveLength(1);
  });

  it("turns the provider refusing T66's key into a 502, not the caller's 401", async () => {
    fake.queue.push({ kind: 'error', status: 401, type: 'invalid_request_error', message: 'Incorrect API key provided: sk-...key' });
    const res = await raw(server.api, 'POST', '/chat/completions', { token: alice.token, body: JSON.stringify({ model: 'solo', messages: userMessage('Hi') }) });
    expect(res.status).toBe(502);
    expect(res.json.error.code).toBe('upstream_auth_failed');
    expect(res.text).not.toContain('sk-');
  });

  it('answers 504 when the upstream never answers, after retrying', async () => {
    for (let i = 0; i < 3; i++) fake.queue.push({ kind: 'hang' });
    const err = await sdk.chat.completions.create({ model: 'solo', messages: userMessage('Hi') }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((err as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'upstream_timeout' });
    expect(fake.calls).toHaveLength(3);
  });
});

describe('upstream failures after the stream started', () => {
  it('ends a stream the upstream cut with an error frame and [DONE], keeping what was sent', async () => {
    const bob = await createUser(server.api);
    fake.queue.push({ kind: 'answer', answer: { cutAfter: 2 } });
    const stream = await rawStream(server, bob.token, { model: 'gpt-4o', messages: userMessage('Hi') });
    expect(stream.status).toBe(200);
    const last = stream.frames[stream.frames.length - 1];
    expect(last.error).toMatchObject({ code: 'upstream_error' });
    expect(stream.frames.map((f) => f.choices?.[0]?.delta.content ?? '').join('')).toBe('Hello from');
    expect(stream.frames.flatMap((f) => f.choices ?? []).some((c) => c.finish_reason)).toBe(false);
    expect(stream.done).toBe(true);
    expect(fake.calls).toHaveLength(1);
    const [row] = await usageRows(server, bob.user.id);
    expect(row).toMatchObject({ status: 'error', model: 'gpt-4o' });
  });

  it("passes an upstream's in-stream error on as an error frame that the SDK raises", async () => {
    fake.queue.push({ kind: 'answer', answer: { errorAfter: 1 } });
    const stream = await sdk.chat.completions.create({ model: 'gpt-4o', messages: userMessage('Hi'), stream: true });
    const received: string[] = [];
    const err = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(received.join('')).toBe('Hello');
  });

  it('ends a stream whose upstream goes silent with an upstream_timeout frame', async () => {
    fake.queue.push({ kind: 'answer', answer: { hangAfter: 1 } });
    const stream = await rawStream(server, alice.token, { model: 'gpt-4o', messages: userMessage('Hi') });
    expect(stream.frames[stream.frames.length - 1].error).toMatchObject({ code: 'upstream_timeout' });
    await expect.poll(() => fake.calls[0].closedEarlyAt, { timeout: 1000, interval: 10 }).toBeDefined();
  });
});

describe('an upstream slow to accept a stream', () => {
  it('gets the stream committed by the first ping, and a failure after that ends it with an error frame, unretried', async () => {
    fake.queue.push({ kind: 'hang' });
    const stream = await rawStream(server, alice.token, { model: 'solo', messages: userMessage('Hi') });
    expect(stream.status).toBe(200);
    expect(stream.text.startsWith(': ping\n\n')).toBe(true);
    expect(stream.frames).toEqual([expect.objectContaining({ error: expect.objectContaining({ code: 'upstream_timeout' }) })]);
    expect(stream.done).toBe(true);
    expect(fake.calls).toHaveLength(1);
  });
});

describe('a client that leaves', () => {
  it('aborts the upstream request within a second, with no retry, and accounts it as cancelled', async () => {
    const bob = await createUser(server.api);
    fake.queue.push({ kind: 'answer', answer: { hangAfter: 1 } });
    const controller = new AbortController();
    const stream = await openaiClient(server, bob.token).chat.completions.create(
      { model: 'gpt-4o', messages: userMessage('Hi'), stream: true },
      { signal: controller.signal },
    );
    let abortedAt = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) {
        abortedAt = performance.now();
        controller.abort();
      }
    }
    await expect.poll(() => fake.calls[0].closedEarlyAt, { timeout: 1000, interval: 10 }).toBeDefined();
    expect(fake.calls[0].closedEarlyAt! - abortedAt).toBeLessThan(1000);
    await expect.poll(async () => (await usageRows(server, bob.user.id)).map((r) => r.status), { timeout: 2000 }).toEqual(['cancelled']);
    expect(fake.calls).toHaveLength(1);
  });
});

describe("users' own keys (BYOK)", () => {
  it("calls the provider with the user's stored key instead of the server's, and picks up a changed key at once", async () => {
    const carol = await createUser(server.api);
    fake.keys.add('sk-carol-1').add('sk-carol-2');
    await storeUserKeys(server, carol.user.id, { openai: 'sk-carol-1' });
    const carolSdk = openaiClient(server, carol.token);
    await carolSdk.chat.completions.create({ model: 'solo', messages: userMessage('Hi') });
    expect(lastCall().headers.authorization).toBe('Bearer sk-carol-1');

    await storeUserKeys(server, carol.user.id, { openai: 'sk-carol-2' });
    await carolSdk.chat.completions.create({ model: 'solo', messages: userMessage('Hi') });
    expect(lastCall().headers.authorization).toBe('Bearer sk-carol-2');

    await sdk.chat.completions.create({ model: 'solo', messages: userMessage('Hi') });
    expect(lastCall().headers.authorization).toBe(`Bearer ${OPENAI_TEST_KEY}`);
  });
});

describe('attachments', () => {
  it("expands the caller's files into content parts and never forwards the attachments field", async () => {
    const notes = await uploadTestFile(server.api, alice.token, { name: 'notes.txt', type: 'text/plain', content: 'Buy milk.\n' });
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const image = await uploadTestFile(server.api, alice.token, { name: 'dot.png', type: 'image/png', content: png });
    await sdk.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Summarise', attachments: [notes.id, image.id] } as OpenAI.ChatCompletionUserMessageParam],
    });
    const [message] = lastCall().body.messages as { role: string; content: { type: string; text?: string; image_url?: { url: string } }[] }[];
    expect(message).not.toHaveProperty('attachments');
    expect(message.content[0]).toEqual({ type: 'text', text: 'Summarise' });
    expect(message.content[1].text).toContain('Buy milk.');
    expect(message.content[2]).toEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } });
  });

  it("refuses someone else's file with a 400 before calling any provider", async () => {
    const bob = await createUser(server.api);
    const bobsFile = await uploadTestFile(server.api, bob.token);
    const res = await raw(server.api, 'POST', '/chat/completions', {
      token: alice.token,
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Read this', attachments: [bobsFile.id] }] }),
    });
    expect(res.status).toBe(400);
    expect(fake.calls).toHaveLength(0);
  });
});
