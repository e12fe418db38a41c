/** client.chat.completions and client.models against a running T66 with its offline `local-dev` model. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  RateLimitError,
  ServerError,
  T66Error,
  accumulateCompletion,
  completionText,
  type ChatCompletionChunk,
  type T66Client,
} from '../../sdk/js/src/index.js';
import { OPENAI_TEST_KEY, startFakeOpenAI, type FakeOpenAI } from '../support/fakes/fake-openai.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { sdkClient, signedUpClient } from './support.js';

const MODEL = 'local-dev';
let server: TestServer;
let client: T66Client;
beforeAll(async () => {
  server = await startTestServer();
  ({ client } = await signedUpClient(server));
});

describe('models', () => {
  it('lists the catalogue, including the offline development model', async () => {
    const models = await client.models.list();
    const local = models.data.find((m) => m.id === MODEL);
    expect(local).toMatchObject({ object: 'model', provider: 'local' });
  });
});

describe('a whole completion', () => {
  it('answers a chat.completion, as the seed\'s snippet uses it', async () => {
    const response = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello!' }] });
    expect(response.object).toBe('chat.completion');
    expect(response.choices[0].finish_reason).toBe('stop');
    expect(completionText(response)).toContain('Hello!');
    expect(response.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('honours max_tokens', async () => {
    const response = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 });
    expect(response.choices[0].finish_reason).toBe('length');
    expect(response.usage?.completion_tokens).toBe(2);
  });
});

describe('a streamed completion', () => {
  it('yields chunks parsed from SSE whose text adds up to the whole answer', async () => {
    const whole = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Stream me' }] });
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Stream me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(stream.response.headers.get('content-type')).toContain('text/event-stream');
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(completionText(whole));
    expect(chunks.filter((c) => c.choices[0]?.finish_reason)).toHaveLength(1);
    expect(chunks.at(-1)!.usage?.total_tokens).toBe(whole.usage?.total_tokens);
  });

  it('accumulates into the same chat.completion the request answers without streaming', async () => {
    const request = { model: MODEL, messages: [{ role: 'user' as const, content: 'Accumulate me' }] };
    const whole = await client.chat.completions.create(request);
    const seen: string[] = [];
    const accumulated = await accumulateCompletion(
      await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } }),
      (chunk) => seen.push(chunk.choices[0]?.delta.content ?? ''),
    );
    expect(accumulated.choices).toEqual(whole.choices);
    expect(accumulated.usage).toEqual(whole.usage);
    expect(seen.join('')).toBe(completionText(whole));

    const viaHelper = await (await client.chat.completions.create({ ...request, stream: true })).finalCompletion();
    expect(completionText(viaHelper)).toBe(completionText(whole));
  });

  it('stops when the loop breaks or abort() is called, without hanging', async () => {
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Stop early' }], stream: true });
    let count = 0;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      if (++count === 2) break;
    }
    expect(count).toBe(2);

    const aborted = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Abort me' }], stream: true });
    aborted.abort();
    await expect(accumulateCompletion(aborted)).rejects.toMatchObject({ code: 'aborted' });
  });

  it('stores the answer in a chat when `chat` names one', async () => {
    const chat = await client.chats.create({ title: 'Stored answers', settings: { model: MODEL } });
    await client.messages.create({ chat: chat.id, content: 'Remember this', role: 'user' });
    const stream = await client.chat.completions.create({ chat: chat.id, messages: [{ role: 'user', content: 'Remember this' }], stream: true });
    const answer = await stream.finalCompletion();
    const stored = await client.messages.list({ filter: client.filter('chat = {:chat} && role = {:role}', { chat: chat.id, role: 'assistant' }) });
    expect(stored.items.map((m) => m.content)).toEqual([completionText(answer)]);
    expect(stored.items[0]).toMatchObject({ model: MODEL, status: 'complete' });
  });
});

describe('completion errors', () => {
  it('answers NotFoundError for an unknown model and BadRequestError naming missing fields, streaming or not', async () => {
    await expect(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }], stream: true })).rejects.toBeInstanceOf(NotFoundError);
    const missing = await client.chat.completions.create({}).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(BadRequestError);
    expect((missing as BadRequestError).details.missing_fields).toEqual(expect.arrayContaining(['model', 'messages']));
  });

  it("answers ServerError 503 for a model whose provider has no key, as the seed's 'gpt-4' does on a bare server", async () => {
    await expect(client.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hello!' }] })).rejects.toMatchObject({
      constructor: ServerError,
      status: 503,
      details: { model: 'gpt-4', provider: 'openai' },
    });
  });

  it('answers AuthenticationError without a token', async () => {
    await expect(sdkClient(server).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(AuthenticationError);
  });
});

describe('through an OpenAI provider (a fake OpenAI API on 127.0.0.1)', () => {
  let fake: FakeOpenAI;
  let withOpenAI: T66Client;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    const server = await startTestServer({ env: { OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: OPENAI_TEST_KEY, T66_UPSTREAM_RETRIES: '0' } });
    ({ client: withOpenAI } = await signedUpClient(server));
  });
  afterAll(() => fake.close());

  it("runs the seed's snippet as written, with model 'gpt-4'", async () => {
    const response = await withOpenAI.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hello!' }] });
    expect(completionText(response)).toBe('Hello from the fake provider.');
  });

  it('accumulates parallel tool calls streamed in pieces into calls whose arguments parse', async () => {
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
    const stream = await withOpenAI.chat.completions.create({
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'Weather and time?' }],
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } },
      ],
      stream: true,
    });
    const completion = await stream.finalCompletion();
    const calls = completion.choices[0].message.tool_calls!;
    expect(calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['call_a', 'get_weather', { city: 'Paris' }],
      ['call_b', 'get_time', { tz: 'CET' }],
    ]);
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
  });

  it('raises the error frame of a stream that fails midway, after the chunks that arrived', async () => {
    fake.queue.push({ kind: 'answer', answer: { errorAfter: 1 } });
    const stream = await withOpenAI.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(T66Error);
    expect((error as T66Error).code).toMatch(/upstream/);
    expect(received.join('')).toBe('Hello');
  });

  it("answers RateLimitError with the upstream's retry-after", async () => {
    fake.queue.push({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Rate limit reached', headers: { 'retry-after': '7' } });
    const error = await withOpenAI.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(7);
  });
});
