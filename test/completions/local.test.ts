import { beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startTestServer, type TestServer } from '../support/server.js';
import { raw } from '../support/client.js';
import { createUser, type TestUser } from '../support/factories.js';
import { openaiClient, rawStream, usageRows, userMessage } from './support.js';

// No provider keys at all: the server as `npm start` runs it, serving the offline local-dev model.
let server: TestServer;
let alice: TestUser;
let sdk: OpenAI;

beforeAll(async () => {
  server = await startTestServer();
  alice = await createUser(server.api);
  sdk = openaiClient(server, alice.token);
});

describe('the model list without provider keys', () => {
  it('lists only the local development model, described as such', async () => {
    const models = await sdk.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['local-dev']);
    const res = await raw(server.api, 'GET', '/models', { token: alice.token });
    expect(res.json.data[0]).toMatchObject({ id: 'local-dev', object: 'model', provider: 'local', pricing: { input: 0, output: 0 } });
    expect(res.json.data[0].description).toMatch(/offline development model/i);
  });

  it('needs a token', async () => {
    const res = await raw(server.api, 'GET', '/models');
    expect(res.status).toBe(401);
  });
});

describe('a non-streaming completion from the local model', () => {
  it('answers a chat.completion with usage, deterministically', async () => {
    const ask = () => sdk.chat.completions.create({ model: 'local-dev', messages: userMessage('What is T66?') });
    const first = await ask();
    const second = await ask();
    expect(first).toMatchObject({ object: 'chat.completion', model: 'local-dev' });
    expect(first.choices[0].message.role).toBe('assistant');
    expect(first.choices[0].message.content).toContain('What is T66?');
    expect(first.choices[0].finish_reason).toBe('stop');
    expect(second.choices[0].message.content).toBe(first.choices[0].message.content);
    expect(first.usage!.completion_tokens).toBeGreaterThan(5);
    expect(first.usage!.total_tokens).toBe(first.usage!.prompt_tokens + first.usage!.completion_tokens);
  });

  it('honours max_tokens with finish_reason length', async () => {
    const answer = await sdk.chat.completions.create({ model: 'local-dev', messages: userMessage('Hi'), max_tokens: 3 });
    expect(answer.choices[0].finish_reason).toBe('length');
    expect(answer.usage!.completion_tokens).toBe(3);
    expect(answer.choices[0].message.content!.trim().split(/\s+/)).toHaveLength(3);
  });
});

describe('a streamed completion from the local model', () => {
  it('streams several chunks in OpenAI wire format, role first, one finish_reason, usage last', async () => {
    const stream = await sdk.chat.completions.create({
      model: 'local-dev',
      messages: userMessage('Stream please'),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const { id, created } = chunks[0];
    for (const chunk of chunks) expect(chunk).toMatchObject({ id, created, object: 'chat.completion.chunk', model: 'local-dev' });
    expect(chunks.flatMap((c) => c.choices).filter((c) => c.finish_reason)).toHaveLength(1);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage!.completion_tokens).toBeGreaterThan(5);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    const whole = await sdk.chat.completions.create({ model: 'local-dev', messages: userMessage('Stream please') });
    expect(text).toBe(whole.choices[0].message.content);
  });

  it('sends no usage chunk unless asked, and ends with data: [DONE]', async () => {
    const stream = await rawStream(server, alice.token, { model: 'local-dev', messages: userMessage('Hi') });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.done).toBe(true);
    expect(stream.frames.every((f) => f.choices.length > 0 && !f.usage)).toBe(true);
  });

  it('works with the SDK .stream() helper', async () => {
    const runner = sdk.chat.completions.stream({ model: 'local-dev', messages: userMessage('Helper') });
    const deltas: string[] = [];
    runner.on('content', (delta) => deltas.push(delta));
    const final = await runner.finalChatCompletion();
    expect(deltas.length).toBeGreaterThan(5);
    expect(final.choices[0].message.content).toBe(deltas.join(''));
    expect(final.choices[0].finish_reason).toBe('stop');
  });
});

describe('requests T66 cannot serve', () => {
  it('lists both missing fields, as the seed shows', async () => {
    const res = await raw(server.api, 'POST', '/chat/completions', { token: alice.token, body: '{}' });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_request', details: { missing_fields: ['model', 'messages'] } });
  });

  it('surfaces a missing field as the SDK BadRequestError', async () => {
    const err = await sdk.chat.completions.create({ model: 'local-dev' } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400);
  });

  it('refuses an empty message list', async () => {
    const res = await raw(server.api, 'POST', '/chat/completions', { token: alice.token, body: JSON.stringify({ model: 'local-dev', messages: [] }) });
    expect(res.status).toBe(400);
  });

  it('answers 404 for a model not in the catalogue', async () => {
    const err = await sdk.chat.completions.create({ model: 'no-such-model', messages: userMessage('Hi') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ code: 'model_not_found' });
  });

  it('answers 503 for a catalogue model whose provider has no key', async () => {
    const res = await raw(server.api, 'POST', '/chat/completions', {
      token: alice.token,
      body: JSON.stringify({ model: 'gpt-4o', messages: userMessage('Hi'), stream: true }),
    });
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe('provider_unavailable');
  });

  it('needs a token', async () => {
    const res = await raw(server.api, 'POST', '/chat/completions', { body: JSON.stringify({ model: 'local-dev', messages: userMessage('Hi') }) });
    expect(res.status).toBe(401);
  });
});

describe('usage accounting', () => {
  it('stores one row per completion with tokens, zero cost, latency and time to first token', async () => {
    const bob = await createUser(server.api);
    const bobSdk = openaiClient(server, bob.token);
    const answer = await bobSdk.chat.completions.create({ model: 'local-dev', messages: userMessage('Count me') });
    const stream = await bobSdk.chat.completions.create({ model: 'local-dev', messages: userMessage('Count me'), stream: true });
    for await (const _chunk of stream) void _chunk;
    await bobSdk.chat.completions.create({ model: 'nope', messages: userMessage('x') }).catch(() => undefined);

    const rows = await usageRows(server, bob.user.id);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      model: 'local-dev',
      provider: 'local',
      prompt_tokens: answer.usage!.prompt_tokens,
      completion_tokens: answer.usage!.completion_tokens,
      cost: 0,
      status: 'ok',
      ttft_ms: null,
    });
    expect(rows[1]).toMatchObject({ status: 'ok', completion_tokens: answer.usage!.completion_tokens });
    expect(rows[1].ttft_ms).not.toBeNull();
    expect(rows[1].latency_ms).toBeGreaterThanOrEqual(rows[1].ttft_ms!);
  });
});

describe('usage rows at shutdown', () => {
  it('are written when the server closes, even before the next batch was due', async () => {
    const first = await startTestServer({ env: { T66_USAGE_FLUSH_MS: '3600000' } });
    const carol = await createUser(first.api);
    await openaiClient(first, carol.token).chat.completions.create({ model: 'local-dev', messages: userMessage('Hi') });
    const buffered = await first.context.db.selectFrom('usage').select('id').where('user_id', '=', carol.user.id).execute();
    expect(buffered).toHaveLength(0);
    await first.close();

    const again = await startTestServer({ reuse: { dataDir: first.dataDir, databaseUrl: first.databaseUrl } });
    const rows = await again.context.db.selectFrom('usage').selectAll().where('user_id', '=', carol.user.id).execute();
    expect(rows).toMatchObject([{ model: 'local-dev', status: 'ok' }]);
  });
});
