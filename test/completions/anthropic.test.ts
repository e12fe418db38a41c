import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startTestServer, type TestServer } from '../support/server.js';
import { createUser, type TestUser } from '../support/factories.js';
import { ANTHROPIC_TEST_KEY, startFakeAnthropic, type FakeAnthropic } from '../support/fakes/fake-anthropic.js';
import { openaiClient, rawStream, usageRows, userMessage } from './support.js';

// The built-in catalogue, with Anthropic pointed at the fake: claude-sonnet-4-5 has max_output_tokens 64000.
let fake: FakeAnthropic;
let server: TestServer;
let alice: TestUser;
let sdk: OpenAI;
const MODEL = 'claude-sonnet-4-5';

beforeAll(async () => {
  fake = await startFakeAnthropic();
  server = await startTestServer({
    env: { ANTHROPIC_BASE_URL: fake.baseUrl, ANTHROPIC_API_KEY: ANTHROPIC_TEST_KEY, T66_UPSTREAM_RETRIES: '1', T66_UPSTREAM_RETRY_BASE_MS: '10' },
  });
  alice = await createUser(server.api);
  sdk = openaiClient(server, alice.token);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
  fake.queue.length = 0;
});

const sent = () => fake.calls[fake.calls.length - 1].body;
const weatherTools = [
  { type: 'function' as const, function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
  { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
];

describe('requests translated to Anthropic', () => {
  it("reaches the Messages API with the server's key as a bearer token and the upstream model", async () => {
    await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Hi') });
    expect(fake.calls[0].headers.authorization).toBe(`Bearer ${ANTHROPIC_TEST_KEY}`);
    expect(fake.calls[0].headers['anthropic-version']).toBeDefined();
    expect(sent()).toMatchObject({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] });
  });

  it("merges several system messages, in order, into Anthropic's system", async () => {
    await sdk.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'system', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'developer', content: 'Never use emoji.' },
      ],
    });
    expect(sent().system).toEqual([
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: 'Answer in French.' },
      { type: 'text', text: 'Never use emoji.' },
    ]);
    expect(sent().messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
  });

  it('takes max_tokens from max_completion_tokens, else max_tokens, else the catalogue output limit', async () => {
    await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Hi'), max_completion_tokens: 321 });
    expect(sent().max_tokens).toBe(321);
    await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Hi'), max_tokens: 55 });
    expect(sent().max_tokens).toBe(55);
    await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Hi') });
    expect(sent().max_tokens).toBe(64000);
  });

  it('drops empty and whitespace-only stop sequences', async () => {
    await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Hi'), stop: ['\n', '  ', 'END', ''] });
    expect(sent().stop_sequences).toEqual(['END']);
    await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Hi'), stop: '\n\n' });
    expect(sent()).not.toHaveProperty('stop_sequences');
  });

  it('does not send temperature or top_p, which API version 2026-10-21 refuses', async () => {
    const answer = await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Hi'), temperature: 0.3, top_p: 0.9 });
    expect(answer.choices[0].message.content).toBe('Hello from the fake provider.');
    expect(sent()).not.toHaveProperty('temperature');
    expect(sent()).not.toHaveProperty('top_p');
  });

  it('turns data: image parts into base64 sources and https ones into URL sources', async () => {
    await sdk.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect(sent().messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
  });

  it('refuses an image type Anthropic does not take, with a 400', async () => {
    const err = await sdk.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(fake.calls).toHaveLength(0);
  });

  it('refuses n above 1, which Anthropic cannot answer', async () => {
    const err = await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Hi'), n: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(fake.calls).toHaveLength(0);
  });

  it('maps tools and tool_choice', async () => {
    await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Weather?'), tools: weatherTools, tool_choice: 'required' });
    expect(sent().tools).toEqual([
      { name: 'get_weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      { name: 'get_time', input_schema: { type: 'object', properties: { tz: { type: 'string' } } } },
    ]);
    expect(sent().tool_choice).toEqual({ type: 'any' });
    await sdk.chat.completions.create({
      model: MODEL,
      messages: userMessage('Weather?'),
      tools: weatherTools,
      tool_choice: { type: 'function', function: { name: 'get_time' } },
      parallel_tool_calls: false,
    });
    expect(sent().tool_choice).toEqual({ type: 'tool', name: 'get_time', disable_parallel_tool_use: true });
  });

  it('sends tool calls with empty assistant content as tool_use blocks only, and tool results in one user turn', async () => {
    await sdk.chat.completions.create({
      model: MODEL,
      tools: weatherTools,
      messages: [
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny, 21°C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: '14:05' },
      ],
    });
    expect(sent().messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather and time in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: { tz: 'CET' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny, 21°C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '14:05' },
        ],
      },
    ]);
  });
});

describe('answers translated from Anthropic', () => {
  it('maps text, finish_reason and usage (cached input counted in prompt_tokens)', async () => {
    fake.queue.push({ kind: 'answer', answer: { finish: 'length', usage: { prompt: 20, completion: 7, cacheRead: 100 } } });
    const answer = await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Hi') });
    expect(answer).toMatchObject({ object: 'chat.completion', model: MODEL });
    expect(answer.choices[0]).toMatchObject({ index: 0, finish_reason: 'length', message: { role: 'assistant', content: 'Hello from the fake provider.' } });
    expect(answer.usage).toEqual({ prompt_tokens: 120, completion_tokens: 7, total_tokens: 127 });
  });

  it('maps tool_use blocks to tool_calls with JSON arguments', async () => {
    fake.queue.push({ kind: 'answer', answer: { text: [], toolCalls: [{ id: 'toolu_9', name: 'get_weather', args: ['{"city":"Oslo"}'] }], finish: 'tool_calls' } });
    const answer = await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Weather?'), tools: weatherTools });
    expect(answer.choices[0].finish_reason).toBe('tool_calls');
    expect(answer.choices[0].message.tool_calls).toEqual([{ id: 'toolu_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }]);
  });

  it('streams role first, text deltas, one finish_reason and the usage chunk', async () => {
    fake.queue.push({ kind: 'answer', answer: { usage: { prompt: 9, completion: 5 } } });
    const stream = await rawStream(server, alice.token, { model: MODEL, messages: userMessage('Hi'), stream_options: { include_usage: true } });
    expect(stream.frames[0].choices[0].delta.role).toBe('assistant');
    expect(stream.frames.flatMap((f) => f.choices).filter((c) => c.finish_reason)).toEqual([expect.objectContaining({ finish_reason: 'stop' })]);
    expect(stream.frames.map((f) => f.choices[0]?.delta.content ?? '').join('')).toBe('Hello from the fake provider.');
    const last = stream.frames[stream.frames.length - 1];
    expect(last).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 } });
    expect(stream.done).toBe(true);
  });

  it('gives parallel streamed tool calls indexes 0 and 1, with arguments that parse', async () => {
    fake.queue.push({
      kind: 'answer',
      answer: {
        text: ['Let me check.'],
        toolCalls: [
          { id: 'toolu_a', name: 'get_weather', args: ['{"ci', 'ty": "Par', 'is"}'] },
          { id: 'toolu_b', name: 'get_time', args: ['', '{"tz"', ': "CET"}'] },
        ],
        finish: 'tool_calls',
      },
    });
    const stream = await rawStream(server, alice.token, { model: MODEL, messages: userMessage('Weather and time?'), tools: weatherTools });
    const toolDeltas = stream.frames.flatMap((f) => f.choices.flatMap((c) => c.delta.tool_calls ?? []));
    expect(new Set(toolDeltas.map((d) => d.index))).toEqual(new Set([0, 1]));
    expect(toolDeltas.filter((d) => d.id)).toEqual([
      expect.objectContaining({ index: 0, id: 'toolu_a', function: { name: 'get_weather', arguments: '' } }),
      expect.objectContaining({ index: 1, id: 'toolu_b', function: { name: 'get_time', arguments: '' } }),
    ]);
    expect(stream.frames.flatMap((f) => f.choices).filter((c) => c.finish_reason).map((c) => c.finish_reason)).toEqual(['tool_calls']);

    fake.queue.push({ kind: 'answer', answer: { text: [], toolCalls: [
      { id: 'toolu_a', name: 'get_weather', args: ['{"ci', 'ty": "Par', 'is"}'] },
      { id: 'toolu_b', name: 'get_time', args: ['{"tz"', ': "CET"}'] },
    ], finish: 'tool_calls' } });
    const final = await sdk.chat.completions.stream({ model: MODEL, messages: userMessage('Weather and time?'), tools: weatherTools }).finalChatCompletion();
    const calls = final.choices[0].message.tool_calls!.map((c) => (c.type === 'function' ? [c.id, JSON.parse(c.function.arguments)] : []));
    expect(calls).toEqual([
      ['toolu_a', { city: 'Paris' }],
      ['toolu_b', { tz: 'CET' }],
    ]);
  });
});

describe('Anthropic failures', () => {
  it('keeps a 429 with its retry-after', async () => {
    fake.queue.push({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit', headers: { 'retry-after': '30' } });
    const err = await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Hi'), stream: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('30');
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).message).toContain('rate limit');
  });

  it('retries an overloaded 529 and answers 502 when it stays overloaded', async () => {
    for (let i = 0; i < 2; i++) fake.queue.push({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
    const err = await sdk.chat.completions.create({ model: MODEL, messages: userMessage('Hi') }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect(fake.calls).toHaveLength(2);
  });

  it("ends the stream with an error frame on Anthropic's in-stream error event", async () => {
    const bob = await createUser(server.api);
    fake.queue.push({ kind: 'answer', answer: { errorAfter: 2 } });
    const stream = await rawStream(server, bob.token, { model: MODEL, messages: userMessage('Hi') });
    expect(stream.frames.map((f) => f.choices?.[0]?.delta.content ?? '').join('')).toBe('Hello from');
    expect(stream.frames[stream.frames.length - 1].error).toMatchObject({ code: 'upstream_error' });
    expect(stream.done).toBe(true);
    const [row] = await usageRows(server, bob.user.id);
    expect(row).toMatchObject({ provider: 'anthropic', model: MODEL, status: 'error' });
  });
});
